/**
 * Appends text and pre-encoded fragments straight into one growing Buffer, as UTF-8.
 * Building a ~2 kB JSON text per row as a JS string makes V8 build a rope of dozens of
 * pieces that is then flattened and encoded (a copy each); writing the bytes in place
 * skips both, which measured ~4x faster for the FHIR export's mostly constant text.
 */
/** Up to this many UTF-16 code units, a JS copy loop beats a native Buffer#write call. */
const SHORT_TEXT = 12;

export class ByteWriter {
  #buffer: Buffer;
  #length = 0;

  constructor(initialBytes: number) {
    this.#buffer = Buffer.allocUnsafe(Math.max(initialBytes, 1_024));
  }

  get length(): number {
    return this.#length;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  /** Appends already encoded bytes (constant fragments, encoded once per export). */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /**
   * Appends `text` as UTF-8, exactly as Buffer.from(text, 'utf8') encodes it (lone
   * surrogates included). Short strings are copied one code unit at a time, cheaper than a
   * native call; longer ones (ids, hashes, user agents) go to Buffer#write, whose native
   * copy wins from about a dozen characters on.
   */
  text(text: string): void {
    const units = text.length;
    if (units > SHORT_TEXT) {
      this.#utf8(text);
      return;
    }
    this.#reserve(units);
    const buffer = this.#buffer;
    let at = this.#length;
    for (let i = 0; i < units; i += 1) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) {
        this.#length = at;
        this.#utf8(text.slice(i));
        return;
      }
      buffer[at] = unit;
      at += 1;
    }
    this.#length = at;
  }

  /** Appends one ASCII byte (a quote, comma or bracket). */
  byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.#length] = value;
    this.#length += 1;
  }

  #utf8(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.#reserve(text.length * 3);
    this.#length += this.#buffer.write(text, this.#length, 'utf8');
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) {
      return;
    }
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}

/**
 * Collects an export's output bytes in one large buffer (a slab) that successive chunks
 * share: each take() hands out a view of the bytes written since the previous one and the
 * next chunk's bytes follow it, so the encoder allocates a buffer per ~megabyte of output
 * rather than one per input chunk. Handed-out views are never written again; a full slab
 * is replaced, not reused, and lives on only as long as its views.
 */
const SLAB_BYTES = 1 << 20;

export class ByteWriter {
  #buffer = Buffer.allocUnsafe(SLAB_BYTES);
  /** Start of the bytes not yet handed out. */
  #taken = 0;
  #length = 0;

  /** Bytes written since the last take(). */
  get pending(): number {
    return this.#length - this.#taken;
  }

  /**
   * Appends a byte string (copyRows.ts: one char per byte) as those bytes: latin1 is a
   * plain copy, one native call however many pieces the string was built from.
   */
  bytes(text: string): void {
    this.#reserve(text.length);
    this.#length += this.#buffer.write(text, this.#length, 'latin1');
  }

  /** Appends text as UTF-8. */
  text(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.#reserve(text.length * 3);
    this.#length += this.#buffer.write(text, this.#length, 'utf8');
  }

  /** Room for at least `bytes` more: the buffer and the offset to write at (then `advance`). */
  room(bytes: number): { buffer: Buffer; at: number } {
    this.#reserve(bytes);
    return { buffer: this.#buffer, at: this.#length };
  }

  /** Counts `bytes` written into the buffer `room` gave, at its offset. */
  advance(bytes: number): void {
    if (this.#length + bytes > this.#buffer.length) throw new RangeError('advanced past the room reserved');
    this.#length += bytes;
  }

  /** The bytes written since the last take() (a view, never written again). */
  take(): Buffer {
    const view = this.#buffer.subarray(this.#taken, this.#length);
    this.#taken = this.#length;
    return view;
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#buffer.length) {
      return;
    }
    // The untaken bytes move to a fresh slab; the old one stays with its views.
    const slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, 2 * (this.pending + extra)));
    this.#buffer.copy(slab, 0, this.#taken, this.#length);
    this.#length = this.pending;
    this.#taken = 0;
    this.#buffer = slab;
  }
}

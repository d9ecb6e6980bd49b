/**
 * Decoder for PostgreSQL's COPY ... TO STDOUT text format
 * (https://www.postgresql.org/docs/15/sql-copy.html, "Text Format"): one row per line ended
 * by a newline, columns separated by a tab, NULL written as `\N`, and backslash escapes for
 * backslash, newline, carriage return, tab, backspace, form feed and vertical tab. A raw
 * newline byte therefore only ever ends a row, so rows can be cut out of arbitrary network
 * chunks by byte search without parsing every character.
 */

const NEWLINE = 0x0a;
const NULL_MARKER = '\\N';

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** Undoes COPY text escaping in one column value; `\N` alone is SQL NULL. */
export function decodeCopyField(raw: string): string | null {
  if (raw.length === 2 && raw === NULL_MARKER) {
    return null;
  }
  if (!raw.includes('\\')) {
    return raw;
  }
  // COPY TO never writes octal or hex sequences (per the docs above), only the named ones.
  return raw.replace(/\\(.)/gs, (_match, code: string) => ESCAPES[code] ?? code);
}

/** Splits a COPY text stream into rows of decoded columns, whatever the chunk boundaries. */
export class CopyTextDecoder {
  #pending: Buffer | null = null;

  /** Returns the rows completed by this chunk (possibly none). */
  push(chunk: Buffer): (string | null)[][] {
    const lines = this.#completeLines(chunk);
    if (lines === null) {
      return [];
    }
    const rows: (string | null)[][] = [];
    for (const line of lines) {
      const raw = line.split('\t');
      const row: (string | null)[] = new Array<string | null>(raw.length);
      for (let i = 0; i < raw.length; i += 1) {
        row[i] = decodeCopyField(raw[i] ?? '');
      }
      rows.push(row);
    }
    return rows;
  }

  /**
   * The complete lines in this chunk (without their newlines) as raw, still-escaped text,
   * for callers that decode columns themselves; null when the chunk completes no line.
   */
  completeLines(chunk: Buffer): string[] | null {
    return this.#completeLines(chunk);
  }

  /** Throws when the stream ended in the middle of a row (a truncated COPY). */
  end(): void {
    if (this.#pending !== null && this.#pending.length > 0) {
      throw new Error('COPY stream ended inside a row');
    }
  }

  #completeLines(chunk: Buffer): string[] | null {
    const data = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      this.#pending = data;
      return null;
    }
    this.#pending = lastNewline + 1 < data.length ? data.subarray(lastNewline + 1) : null;
    // Decoding only up to a newline never splits a multi-byte UTF-8 sequence.
    const text = data.toString('utf8', 0, lastNewline);
    return text.split('\n');
  }
}

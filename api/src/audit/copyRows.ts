import { isAscii, isUtf8 } from 'node:buffer';
import { AUDIT_COLUMN_COUNT } from './auditRowQuery.js';

/**
 * Reads PostgreSQL's COPY ... TO STDOUT text format
 * (https://www.postgresql.org/docs/15/sql-copy.html, "Text Format") without a JS object,
 * array or decoded string per row. One row per line ended by a newline, columns separated
 * by a tab, NULL written as `\N`, and backslash escapes for backslash, newline, carriage
 * return, tab, backspace, form feed and vertical tab; a raw newline or tab byte therefore
 * only ever ends a row or a column.
 *
 * Rows are read as "byte strings": each chunk's complete lines become one latin1 string,
 * one char per byte of the UTF-8 text, so V8's native indexOf splits rows and columns and
 * column values are (cheap) slices of it. Byte strings are written back with latin1, which
 * reproduces the UTF-8 bytes exactly. JSON and CSV escaping only ever touch ASCII, and
 * every byte of a multi-byte UTF-8 sequence is >= 0x80, so escaping a byte string gives the
 * bytes of escaping the decoded text; only JSON.parse needs real text (CopyRow#text).
 */

const NEWLINE = 0x0a;
const NULL_FIELD = '\\N';

const COPY_ESCAPE = /\\([\s\S])/g;

/** Column flags: a backslash (COPY escape to undo; JSON escapes it too), a quote or control character (JSON escapes it). */
const ESCAPED = 1;
const JSON_SPECIAL = 2;
/**
 * Control characters other than the tab and newline that delimit columns and rows. They
 * are almost never there: a chunk is probed for each with Buffer#indexOf (memchr, ~30x
 * faster per byte than a regular expression scan), and only a chunk that holds one is
 * searched with this expression. Quote and backslash are found with String#indexOf.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const CONTROL = /[\u0000-\u0008\u000b-\u001f]/g;
const CONTROL_BYTES = Array.from({ length: 0x20 }, (_, byte) => byte).filter((byte) => byte !== 0x09 && byte !== 0x0a);

function holdsControl(lines: Buffer): boolean {
  for (const byte of CONTROL_BYTES) {
    if (lines.includes(byte)) return true;
  }
  return false;
}

const COPY_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
};

/**
 * Undoes COPY text escaping in a byte string (COPY TO writes only the named escapes; any
 * other escaped byte stands for itself, a trailing lone backslash stays).
 */
export function decodeCopyEscapes(raw: string): string {
  return raw.replace(COPY_ESCAPE, (_match, code: string) => COPY_ESCAPES[code] ?? code);
}

/** A column's text from its raw COPY byte string; null for NULL. */
export function copyFieldText(raw: string): string | null {
  return raw === NULL_FIELD ? null : textOfBytes(decodeCopyEscapes(raw));
}

/**
 * The JSON string literal of a byte string: the bytes of JSON.stringify of its text.
 * JSON.stringify escapes only quote, backslash and control characters (and lone surrogates,
 * which a one-char-per-byte string cannot hold), so it maps a byte string to exactly that;
 * V8's native scan makes it cheaper than any check for whether escaping is needed.
 */
export function jsonStringOfBytes(bytes: string): string {
  return JSON.stringify(bytes);
}

/** The UTF-8 bytes of `text` as a byte string. */
export function byteStringOf(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The text a byte string's UTF-8 bytes encode. */
export function textOfBytes(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** The current row: column positions in the byte string of the chunk it came from. */
export class CopyRow {
  /** Byte string of the chunk's complete lines; columns are ranges of it. */
  bytes = '';
  /** True when those lines are all ASCII: then every column's bytes are also its UTF-16 text. */
  ascii = false;
  readonly #start = new Int32Array(AUDIT_COLUMN_COUNT);
  readonly #end = new Int32Array(AUDIT_COLUMN_COUNT);
  readonly #flags = new Uint8Array(AUDIT_COLUMN_COUNT);

  /** @internal Positions a column (the reader's use). */
  set(column: number, start: number, end: number): void {
    this.#start[column] = start;
    this.#end[column] = end;
    this.#flags[column] = 0;
  }

  /** @internal Flags the column holding byte `at`; returns where that column ends (to search on from). */
  mark(at: number, flags: number): number {
    let column = 0;
    while (column < AUDIT_COLUMN_COUNT - 1 && (this.#end[column] ?? 0) < at) column += 1;
    this.#flags[column] = (this.#flags[column] ?? 0) | flags;
    return this.#end[column] ?? at;
  }

  /** True when the column is SQL NULL. */
  isNull(column: number): boolean {
    const start = this.#start[column] ?? 0;
    return (this.#end[column] ?? 0) - start === 2 && this.bytes.startsWith(NULL_FIELD, start);
  }

  /** The column exactly as COPY wrote it (escapes not undone; `\N` for NULL). */
  raw(column: number): string {
    return this.bytes.slice(this.#start[column], this.#end[column]);
  }

  /** The column's value as a byte string, COPY escapes undone; null for NULL. */
  value(column: number): string | null {
    if (this.isNull(column)) return null;
    const raw = this.raw(column);
    return ((this.#flags[column] ?? 0) & ESCAPED) === 0 ? raw : decodeCopyEscapes(raw);
  }

  /** The column's value as the bytes of its JSON string literal, or `null`. */
  jsonValue(column: number): string {
    if (this.isNull(column)) return 'null';
    // Nearly every column needs no escaping: quoting its slice is ~10x cheaper than JSON.stringify.
    return this.#flags[column] === 0 ? `"${this.raw(column)}"` : JSON.stringify(this.value(column));
  }

  /** The column's value as text (UTF-8 decoded), for the few places that parse it; null for NULL. */
  text(column: number): string | null {
    const value = this.value(column);
    return value === null ? null : textOfBytes(value);
  }
}

/** Position of the next control character (not tab or newline) from `from`, or -1. */
function nextControl(bytes: string, from: number): number {
  CONTROL.lastIndex = from;
  return CONTROL.exec(bytes)?.index ?? -1;
}

const TAB = 0x09;

/**
 * Column `column` of the COPY line starting at `lineStart` in `lines`, exactly as COPY wrote
 * it (escapes not undone), as a byte string; for lines a LineTaker took, which were not read
 * into a CopyRow.
 */
export function lineColumnRaw(lines: Buffer, lineStart: number, column: number): string {
  let start = lineStart;
  for (let c = 0; c < column; c += 1) start = lines.indexOf(TAB, start) + 1;
  const tab = lines.indexOf(TAB, start);
  const end = tab === -1 ? lines.indexOf(NEWLINE, start) : Math.min(tab, lines.indexOf(NEWLINE, start));
  return lines.toString('latin1', start, end);
}

/** Takes complete COPY lines from `from` on; returns where it stopped, or -1 for "leave the rest". */
export type LineTaker = (lines: Buffer, from: number) => number;

/** Splits a COPY text stream into rows, whatever the chunk boundaries. */
export class CopyRowReader {
  readonly #row = new CopyRow();
  #pending: Buffer | null = null;

  /**
   * Calls `visit` for every row this chunk completes; the row object is reused. `take`, when
   * given, is offered the complete lines first: it returns the offset of the first line it
   * left (lines it took are not visited), or -1 to leave the rest to `visit`.
   */
  push(chunk: Buffer, visit: (row: CopyRow) => void, take?: LineTaker): void {
    let from = 0;
    if (this.#pending !== null) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        this.#pending = Buffer.concat([this.#pending, chunk]);
        return;
      }
      // Only the row that straddles the chunks is copied, not the whole chunk.
      const straddling = Buffer.concat([this.#pending, chunk.subarray(0, newline + 1)]);
      this.#pending = null;
      this.#offerLines(straddling, visit, take);
      from = newline + 1;
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline < from) {
      this.#pending = from < chunk.length ? Buffer.from(chunk.subarray(from)) : null;
      return;
    }
    this.#pending = lastNewline + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNewline + 1)) : null;
    this.#offerLines(chunk.subarray(from, lastNewline + 1), visit, take);
  }

  /** Complete lines: to `take` while it takes them, one line at a time to `visit` when it does not. */
  #offerLines(lines: Buffer, visit: (row: CopyRow) => void, take: LineTaker | undefined): void {
    let at = 0;
    while (take !== undefined && at < lines.length) {
      const next = take(lines, at);
      if (next === -1) break;
      at = next;
      if (at >= lines.length) break;
      const end = lines.indexOf(NEWLINE, at) + 1;
      this.#readLines(lines.subarray(at, end), visit);
      at = end;
    }
    if (at < lines.length) this.#readLines(at === 0 ? lines : lines.subarray(at), visit);
  }

  /** Throws when the stream ended in the middle of a row (a truncated COPY). */
  end(): void {
    if (this.#pending !== null && this.#pending.length > 0) {
      throw new Error('COPY stream ended inside a row');
    }
  }

  /** `lines`: whole lines, each ended by a newline. */
  #readLines(lines: Buffer, visit: (row: CopyRow) => void): void {
    // PostgreSQL sends valid UTF-8; should a server ever not, decoding replaces invalid
    // sequences with U+FFFD exactly as reading the COPY as text always did. A newline is
    // never inside a sequence, so whole lines decode the same alone or together.
    const utf8 = isUtf8(lines);
    const bytes = utf8 ? lines.toString('latin1') : byteStringOf(lines.toString('utf8'));
    const row = this.#row;
    row.bytes = bytes;
    row.ascii = utf8 && isAscii(lines);
    let backslash = bytes.indexOf('\\');
    let quote = bytes.indexOf('"');
    let control = holdsControl(lines) ? nextControl(bytes, 0) : -1;
    let at = 0;
    while (at < bytes.length) {
      const newline = bytes.indexOf('\n', at);
      let start = at;
      let column = 0;
      for (;;) {
        const tab = bytes.indexOf('\t', start);
        if (tab === -1 || tab > newline) break;
        if (column < AUDIT_COLUMN_COUNT) row.set(column, start, tab);
        column += 1;
        start = tab + 1;
      }
      if (column < AUDIT_COLUMN_COUNT) row.set(column, start, newline);
      column += 1;
      if (column !== AUDIT_COLUMN_COUNT) {
        throw new Error(`COPY row has ${column} columns, expected ${AUDIT_COLUMN_COUNT}`);
      }
      // Special characters are rare: found by native searches over the whole chunk, then
      // attributed to their column (the search resumes after that column).
      while (backslash !== -1 && backslash < newline) {
        backslash = bytes.indexOf('\\', row.mark(backslash, ESCAPED | JSON_SPECIAL));
      }
      while (quote !== -1 && quote < newline) {
        quote = bytes.indexOf('"', row.mark(quote, JSON_SPECIAL));
      }
      while (control !== -1 && control < newline) {
        control = nextControl(bytes, row.mark(control, JSON_SPECIAL));
      }
      visit(row);
      at = newline + 1;
    }
  }
}

import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { AUDIT_COLUMNS as C } from './auditRowQuery.js';
import { ByteWriter } from './byteWriter.js';
import type { CopyRow, LineTaker } from './copyRows.js';
import { CopyRowReader, lineColumnRaw } from './copyRows.js';
import type { ExportFormatter, ExportFrame } from './exportFormats.js';
import type { NativeRowWriter } from './fhirNativeEntries.js';

/**
 * Encoded rows are gathered into a string of about this many bytes before one write into
 * the output: per-row writes pay a native call each, while one write per network chunk has
 * V8 walk a rope of thousands of pieces. 4 kB measured best of 1 B to 64 kB and unbounded
 * (bench/README.md, "Audit export vs COPY").
 */
const ROWS_WRITE_CHARS = 4_096;
/**
 * Room the native writer first gets: a FHIR entry is ~4.4 times its COPY line (bench rows), and
 * room reserved but not used is lost from the output slab (byteWriter.ts).
 */
const NATIVE_ROOM_PER_LINE_BYTE = 5;
const NATIVE_ROOM_BYTES = 16 * 1024;

/** What was streamed, known once the encoder has flushed. */
export interface ExportDigest {
  rowCount: number;
  byteCount: number;
  /** Hex SHA-256 (FIPS 180-4) of exactly the bytes the encoder emitted. */
  sha256: string;
  firstSeq: number | null;
  lastSeq: number | null;
}

/**
 * Turns a COPY text byte stream of audit rows into one export format, hashing every byte it
 * emits. Works chunk by chunk (one output view per input chunk), so memory stays flat and
 * backpressure from the HTTP response reaches the database socket. Rows are read and
 * written as COPY bytes (copyRows.ts), never as decoded strings or objects.
 */
export class AuditExportEncoder extends Transform {
  readonly #formatter: ExportFormatter;
  readonly #frame: ExportFrame;
  readonly #writeRow: (row: CopyRow) => string;
  /** Offered the COPY lines first when the format has a native writer (fhirNativeEntries.ts). */
  readonly #take: LineTaker | undefined;
  readonly #reader = new CopyRowReader();
  readonly #out = new ByteWriter();
  readonly #hash: Hash = createHash('sha256');
  readonly #visit = (row: CopyRow): void => {
    this.#encodeRow(row);
  };
  #started = false;
  /** Rows encoded but not yet written into the output, as one byte string (ROWS_WRITE_CHARS). */
  #rows = '';
  #rowCount = 0;
  #byteCount = 0;
  #firstSeq: string | null = null;
  #lastSeq: string | null = null;
  #digest: ExportDigest | undefined;

  constructor(formatter: ExportFormatter, frame: ExportFrame) {
    super();
    this.#formatter = formatter;
    this.#frame = frame;
    const writers = formatter.rowWriters(frame);
    this.#writeRow = writers.row;
    const native = writers.native;
    this.#take = native === undefined ? undefined : (lines, from) => this.#writeNative(native, lines, from);
  }

  /** True once every byte was produced (the stream flushed). */
  get flushed(): boolean {
    return this.#digest !== undefined;
  }

  /**
   * What was emitted: the final digest after the stream flushed, else a digest of the
   * bytes produced so far (an aborted export still gets an honest record).
   */
  summary(): ExportDigest {
    return (
      this.#digest ?? {
        rowCount: this.#rowCount,
        byteCount: this.#byteCount,
        sha256: this.#hash.copy().digest('hex'),
        firstSeq: this.#firstSeq === null ? null : Number(this.#firstSeq),
        lastSeq: this.#lastSeq === null ? null : Number(this.#lastSeq),
      }
    );
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#start();
      this.#reader.push(chunk, this.#visit, this.#take);
      this.#emit();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#reader.end();
      this.#start();
      this.#writeRows();
      this.#out.text(this.#formatter.suffix);
      this.#emit();
      this.#digest = {
        rowCount: this.#rowCount,
        byteCount: this.#byteCount,
        sha256: this.#hash.digest('hex'),
        firstSeq: this.#firstSeq === null ? null : Number(this.#firstSeq),
        lastSeq: this.#lastSeq === null ? null : Number(this.#lastSeq),
      };
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  #start(): void {
    if (!this.#started) {
      this.#out.text(this.#formatter.prefix(this.#frame));
      this.#started = true;
    }
  }

  #encodeRow(row: CopyRow): void {
    // Separators are ASCII, so they are byte strings too.
    if (this.#rowCount > 0) {
      this.#rows += this.#formatter.separator;
    }
    this.#rows += this.#writeRow(row);
    if (this.#rows.length >= ROWS_WRITE_CHARS) this.#writeRows();
    this.#rowCount += 1;
    const seq = row.raw(C.seq);
    this.#firstSeq ??= seq;
    this.#lastSeq = seq;
  }

  /** Rows of `lines` from `from` that the native writer takes, straight into the output; returns where it stopped. */
  #writeNative(native: NativeRowWriter, lines: Buffer, from: number): number {
    // Rows the row writer made go out first: the output keeps the rows' order.
    this.#writeRows();
    let at = from;
    // Should the room run out, the native writer stops before the entry that does not fit and the room doubles.
    let room = NATIVE_ROOM_PER_LINE_BYTE * (lines.length - from) + NATIVE_ROOM_BYTES;
    for (;;) {
      const out = this.#out.room(room);
      const written = native.write(lines, at, out.buffer, out.at, this.#rowCount === 0);
      this.#out.advance(written.bytes);
      if (written.rows > 0) {
        this.#rowCount += written.rows;
        this.#firstSeq ??= lineColumnRaw(lines, written.firstLine, C.seq);
        this.#lastSeq = lineColumnRaw(lines, written.lastLine, C.seq);
      }
      at = written.next;
      if (!written.full || at >= lines.length) return at;
      room *= 2;
    }
  }

  #writeRows(): void {
    if (this.#rows !== '') {
      this.#out.bytes(this.#rows);
      this.#rows = '';
    }
  }

  /** Hashes and pushes everything written since the last call: one output buffer per input chunk. */
  #emit(): void {
    this.#writeRows();
    if (this.#out.pending === 0) {
      return;
    }
    const bytes = this.#out.take();
    this.#hash.update(bytes);
    this.#byteCount += bytes.length;
    this.push(bytes);
  }
}

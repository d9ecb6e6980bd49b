import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { AUDIT_COLUMNS as C } from './auditRowQuery.js';
import { ByteWriter } from './byteWriter.js';
import type { CopyRow } from './copyRows.js';
import { CopyRowReader } from './copyRows.js';
import type { ExportFormatter, ExportFrame } from './exportFormats.js';

/**
 * Encoded rows are gathered into a string of about this many bytes before one write into
 * the output: per-row writes pay a native call each, while one write per network chunk has
 * V8 walk a rope of thousands of pieces. 4 kB measured best of 1 B to 64 kB and unbounded
 * (bench/README.md, "Audit export vs COPY").
 */
const ROWS_WRITE_CHARS = 4_096;

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
    this.#writeRow = formatter.rowWriter(frame);
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
      this.#reader.push(chunk, this.#visit);
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

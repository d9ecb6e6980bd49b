import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { Connection, Submittable } from 'pg';

/*
 * `COPY ... TO STDOUT` as a Readable of the rows' bytes, for the audit exporter and
 * verifier: a pg Submittable that takes the connection's socket for the duration of the
 * COPY, as pg-copy-streams does, but removes the protocol framing in place.
 *
 * Why not pg-copy-streams' `to()`: PostgreSQL sends one CopyData message per row
 * (https://www.postgresql.org/docs/15/protocol-flow.html#PROTOCOL-COPY), and its decoder
 * reads every header through a buffer list and allocates a view per row, which cost the
 * export ~2 µs of the main thread per row, a third of what the database spends producing
 * it (bench/README.md, "Audit export vs COPY"). Here each socket chunk is compacted in
 * place: a row's bytes are moved down over the headers before it (one memmove builtin, no
 * allocation) and the chunk is pushed once. Rows never straddle two pushed chunks except
 * when a single message is larger than a socket read.
 *
 * Messages (https://www.postgresql.org/docs/15/protocol-message-formats.html): a type byte,
 * then an Int32 length that counts itself but not the type byte.
 */

const COPY_DATA = 0x64; // 'd'
const COPY_OUT_RESPONSE = 0x48; // 'H'
const ERROR_RESPONSE = 0x45; // 'E'
/** Asynchronous messages the server may send at any time (protocol-flow.html#PROTOCOL-ASYNC). */
const NOTICE_RESPONSE = 0x4e; // 'N'
const PARAMETER_STATUS = 0x53; // 'S'
const NOTIFICATION_RESPONSE = 0x41; // 'A'
const HEADER_BYTES = 5;

type DataHandler = (chunk: Buffer) => void;

export class CopyOutStream extends Readable implements Submittable {
  /** Rows the server reported in CommandComplete (known once the stream ended). */
  rowCount = 0;
  #socket: Duplex | undefined;
  #pgDataHandler: DataHandler | undefined;
  /** Bytes of a header cut by a socket read (at most 4). */
  #partialHeader: Buffer | undefined;
  /** Bytes still to come of the message being read, and whether they are row bytes. */
  #remaining = 0;
  #remainingIsData = false;
  #wanted = false;
  #forwarding = false;
  readonly #onReadable = (): void => {
    this.#forward();
  };

  constructor(readonly text: string) {
    super();
  }

  submit(connection: Connection): void {
    const socket = connection.stream;
    const listeners = socket.listeners('data');
    const handler = listeners[0];
    if (listeners.length !== 1 || handler === undefined) {
      throw new Error('COPY needs the connection socket to have exactly one data listener (pg)');
    }
    this.#socket = socket;
    this.#pgDataHandler = handler as DataHandler;
    socket.removeListener('data', this.#pgDataHandler);
    socket.pause();
    socket.on('readable', this.#onReadable);
    connection.query(this.text);
  }

  override _read(): void {
    this.#wanted = true;
    this.#forward();
  }

  /** Called by pg for an ErrorResponse (handed back to it below). */
  handleError(error: Error): void {
    this.destroy(error);
  }

  handleCommandComplete(message: { text?: string } | undefined): void {
    const match = /^COPY (\d+)$/.exec(message?.text ?? '');
    if (match?.[1] !== undefined) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    // The COPY is over; pg moves on to the next query.
  }

  #forward(): void {
    const socket = this.#socket;
    if (this.#forwarding || !this.#wanted || socket === undefined) return;
    this.#forwarding = true;
    let chunk: unknown;
    while (this.#socket !== undefined && this.#wanted && (chunk = socket.read()) !== null) {
      this.#wanted = this.#parse(chunk as Buffer);
    }
    this.#forwarding = false;
  }

  /**
   * Compacts the rows of one socket chunk and pushes them; returns whether more is wanted.
   * The chunk is rewritten in place: a socket hands out a fresh buffer per read, and
   * nothing else holds it once pg's data listener is detached.
   */
  #parse(input: Buffer): boolean {
    let chunk = input;
    if (this.#partialHeader !== undefined) {
      chunk = Buffer.concat([this.#partialHeader, chunk]);
      this.#partialHeader = undefined;
    }
    let at = 0;
    let out = 0;
    if (this.#remaining > 0) {
      const n = Math.min(this.#remaining, chunk.length);
      if (this.#remainingIsData) out = n; // already in place at the start of the chunk
      at = n;
      this.#remaining -= n;
    }
    let end: 'more' | 'done' | 'error' = 'more';
    while (this.#remaining === 0 && end === 'more') {
      if (at + HEADER_BYTES > chunk.length) {
        if (at < chunk.length) this.#partialHeader = Buffer.from(chunk.subarray(at));
        at = chunk.length;
        break;
      }
      const type = chunk[at];
      const bodyBytes = chunk.readUInt32BE(at + 1) - 4;
      if (type === ERROR_RESPONSE) {
        // pg parses the error (and the ReadyForQuery after it) and calls handleError.
        end = 'error';
        break;
      }
      const bodyStart = at + HEADER_BYTES;
      const available = Math.min(bodyBytes, chunk.length - bodyStart);
      if (type === COPY_DATA) {
        chunk.copyWithin(out, bodyStart, bodyStart + available);
        out += available;
      } else if (type !== COPY_OUT_RESPONSE && type !== NOTICE_RESPONSE && type !== PARAMETER_STATUS && type !== NOTIFICATION_RESPONSE) {
        // CopyDone: what follows (CommandComplete, ReadyForQuery) is pg's to read.
        end = 'done';
      }
      at = bodyStart + available;
      this.#remaining = bodyBytes - available;
      this.#remainingIsData = type === COPY_DATA;
    }
    const wanted = out > 0 ? this.push(chunk.subarray(0, out)) : true;
    if (end !== 'more') {
      this.#detach(chunk.subarray(at));
      if (end === 'done') this.push(null);
    }
    return wanted;
  }

  /** Gives the socket back to pg, with the bytes it has not read yet. */
  #detach(unread: Buffer): void {
    const socket = this.#socket;
    const handler = this.#pgDataHandler;
    if (socket === undefined || handler === undefined) return;
    this.#socket = undefined;
    this.#pgDataHandler = undefined;
    socket.removeListener('readable', this.#onReadable);
    socket.on('data', handler);
    handler(unread);
    // The handler may pause the socket; resume once it has returned, as pg expects to read on.
    process.nextTick(() => {
      socket.resume();
    });
  }
}

/** A COPY ... TO STDOUT query to pass to `client.query`. */
export function copyOut(sql: string): CopyOutStream {
  return new CopyOutStream(sql);
}

import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { SfuRoomEvent } from '@medspa/shared-types';
import { sfuRoomEventSchema } from '@medspa/shared-types';
import type { Logger } from 'pino';
import type { ApiGateway } from './apiGateway.js';
import { ApiRefusedError } from './apiGateway.js';

/**
 * Retry pacing while the API is unreachable: exponential, capped, forever (until close). The
 * cap bounds how long events wait after the API is back: at most 5 s, however long it was
 * down (test/auditOutage.test.ts measures the drain after a 60 s outage).
 */
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 5000;
/** How long close() keeps trying before leaving the rest in the journal for the next start. */
const CLOSE_FLUSH_MS = 5000;

type JournalLine = { event: SfuRoomEvent } | { ack: string };

function parseJournal(text: string): SfuRoomEvent[] {
  const pending = new Map<string, SfuRoomEvent>();
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    let entry: JournalLine;
    try {
      entry = JSON.parse(line) as JournalLine;
    } catch {
      // A line cut short by a crash mid-write: its event was never acknowledged to anyone.
      continue;
    }
    if ('ack' in entry) {
      pending.delete(entry.ack);
    } else {
      const parsed = sfuRoomEventSchema.safeParse(entry.event);
      if (parsed.success) pending.set(parsed.data.eventId, parsed.data);
    }
  }
  return [...pending.values()];
}

export interface AuditOutboxOptions {
  /** Journal file; unset keeps the queue in memory only (tests of other parts). */
  journalPath?: string;
}

/**
 * Room audit events on their way to the API, durable and exactly-once in effect: each event
 * is appended (and fdatasync'ed) to a journal before report() returns, delivered in order
 * off the signaling path, retried until the API acknowledges it, and marked done in the
 * journal only then. The API deduplicates by the event's idempotency key (eventId), so a
 * retry after a lost acknowledgement or a crash writes nothing twice. A restart replays
 * the journal's unacknowledged events; an API outage only delays them.
 */
export class AuditOutbox {
  readonly #api: ApiGateway;
  readonly #logger: Logger;
  readonly #fd: number | undefined;
  readonly #queue: SfuRoomEvent[];
  #running: Promise<void> | undefined;
  #closed = false;
  #wake: (() => void) | undefined;

  private constructor(api: ApiGateway, logger: Logger, fd: number | undefined, queue: SfuRoomEvent[]) {
    this.#api = api;
    this.#logger = logger;
    this.#fd = fd;
    this.#queue = queue;
  }

  /** Opens (or creates) the journal and starts delivering what an earlier run left. */
  static open(api: ApiGateway, logger: Logger, options: AuditOutboxOptions = {}): AuditOutbox {
    if (options.journalPath === undefined) {
      return new AuditOutbox(api, logger, undefined, []);
    }
    mkdirSync(path.dirname(options.journalPath), { recursive: true, mode: 0o700 });
    let leftover: SfuRoomEvent[] = [];
    try {
      leftover = parseJournal(readFileSync(options.journalPath, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    // Compact into a side file and rename it over the journal, so that a crash at any moment
    // of the restart leaves either the old journal or the compacted one on disk. (Truncating
    // the journal and appending the events again lost every event not yet re-appended.)
    const compacted = `${options.journalPath}.compacting`;
    const side = openSync(compacted, 'w', 0o600);
    try {
      writeSync(side, leftover.map((event) => `${JSON.stringify({ event } satisfies JournalLine)}\n`).join(''));
      fdatasyncSync(side);
    } finally {
      closeSync(side);
    }
    renameSync(compacted, options.journalPath);
    // The rename itself is durable only once the directory is synced.
    const directory = openSync(path.dirname(options.journalPath), 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
    const fd = openSync(options.journalPath, 'a+', 0o600);
    const outbox = new AuditOutbox(api, logger, fd, leftover);
    outbox.#kick();
    if (leftover.length > 0) logger.info({ pending: leftover.length }, 'replaying undelivered room audit events');
    return outbox;
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Queues one event durably; delivery happens in the background. */
  report(event: SfuRoomEvent): void {
    if (this.#closed) {
      this.#logger.error({ type: event.type, eventId: event.eventId }, 'room audit event after close');
      return;
    }
    this.#enqueue(event);
  }

  /** Resolves once the queue is empty, or after `timeoutMs` with events still owed. */
  async flush(timeoutMs = CLOSE_FLUSH_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Tries to deliver what is queued, then stops; anything left stays in the journal. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    this.#wake?.();
    await this.#running;
    if (this.#fd !== undefined) closeSync(this.#fd);
  }

  #append(line: JournalLine): void {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
    fdatasyncSync(this.#fd);
  }

  #enqueue(event: SfuRoomEvent): void {
    this.#append({ event });
    this.#queue.push(event);
    this.#kick();
  }

  #kick(): void {
    if (this.#running !== undefined || this.#closed) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      // An event reported while the loop was finishing starts it again.
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    let failures = 0;
    for (let event = this.#queue.at(0); event !== undefined && !this.#closed; event = this.#queue.at(0)) {
      try {
        await this.#api.recordRoomEvent(event);
      } catch (error) {
        if (error instanceof ApiRefusedError) {
          // The API will never accept it (e.g. the appointment is gone): retrying cannot help.
          this.#logger.error({ type: event.type, eventId: event.eventId, status: error.status }, 'room audit event refused by the API');
        } else {
          failures += 1;
          if (failures === 1 || failures % 20 === 0) {
            this.#logger.warn({ pending: this.#queue.length, failures, reason: (error as Error).message }, 'room audit delivery delayed');
          }
          await this.#sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures - 1, 10)));
          continue;
        }
      }
      failures = 0;
      this.#queue.shift();
      this.#append({ ack: event.eventId });
      if (this.#queue.length === 0 && this.#fd !== undefined) ftruncateSync(this.#fd, 0);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

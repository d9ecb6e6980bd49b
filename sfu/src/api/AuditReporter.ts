import type { SfuRoomEvent } from '@medspa/shared-types';
import type { Logger } from 'pino';
import type { ApiGateway } from './apiGateway.js';

/** Attempts per event before it is logged as lost (audit gaps must at least be visible). */
const MAX_ATTEMPTS = 5;
const RETRY_BASE_MS = 200;

/**
 * Delivers room audit events to the API in order, off the signaling path (a slow API must not
 * stall media setup), retrying with backoff. close() waits for what is queued.
 */
export class AuditReporter {
  readonly #api: ApiGateway;
  readonly #logger: Logger;
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(api: ApiGateway, logger: Logger) {
    this.#api = api;
    this.#logger = logger;
  }

  get pending(): number {
    return this.#pending;
  }

  report(event: SfuRoomEvent): void {
    this.#pending += 1;
    this.#tail = this.#tail.then(async () => {
      await this.#deliver(event);
      this.#pending -= 1;
    });
  }

  /** Resolves once every queued event was delivered or given up on. */
  async flush(): Promise<void> {
    await this.#tail;
  }

  async #deliver(event: SfuRoomEvent): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      try {
        await this.#api.recordRoomEvent(event);
        return;
      } catch (error) {
        if (attempt === MAX_ATTEMPTS) {
          this.#logger.error(
            { type: event.type, roomId: event.appointmentId, peerId: event.peerId, reason: (error as Error).message },
            'room audit event could not be delivered',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }
}

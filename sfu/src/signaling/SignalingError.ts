import type { SignalingErrorCode } from '@medspa/shared-types';

/** A request the SFU refuses on purpose; the client receives `{ code, message }` in its ack. */
export class SignalingError extends Error {
  constructor(
    readonly code: SignalingErrorCode,
    message: string,
    /** A finer machine-readable reason (e.g. why the API refused an admission). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}

import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';

/**
 * The SFU only ever handles identifiers, but tokens and SDP-like parameters must not reach
 * logs either: a room token is a bearer credential until it expires.
 */
const REDACT_PATHS = ['token', '*.token', 'auth.token', 'dtlsParameters', '*.dtlsParameters'];

/** Creates the SFU logger with redaction always on. */
export function createSfuLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[Redacted]' }, base: { service: 'sfu' } }, destination);
}

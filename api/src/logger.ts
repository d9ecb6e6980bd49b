import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';

/**
 * Field names that can carry PHI or credentials. pino replaces their values with
 * "[Redacted]" at any of the depths listed, so an accidental `log.info({ patient })`
 * does not leak. Request bodies are never logged at all (see httpLogger).
 */
const SENSITIVE_KEYS = [
  'password',
  'newPassword',
  'totp',
  'totpCode',
  'totpSecret',
  'refreshToken',
  'accessToken',
  'token',
  'firstName',
  'lastName',
  'fullName',
  'name',
  'displayName',
  'dob',
  'dateOfBirth',
  'email',
  'phone',
  'address',
  'note',
  'noteText',
  'text',
  'content',
  'body',
  'photo',
  'image',
  'subjective',
  'objective',
  'assessment',
  'plan',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((key) => `*.${key}`),
  ...SENSITIVE_KEYS.map((key) => `*.*.${key}`),
];

export interface LoggerOptions {
  level: string;
  /** Tests pass a capturing stream to prove nothing sensitive is written. */
  destination?: DestinationStream;
}

/** Creates the process logger with PHI redaction always on. */
export function createLogger({ level, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { service: 'api' },
    },
    destination,
  );
}

import { Secret, TOTP } from 'otpauth';
import { z } from 'zod';

/**
 * TOTP parameters (RFC 6238 §4 defaults, which authenticator apps assume): HMAC-SHA-1,
 * 6 digits (RFC 4226 §5.3), 30-second steps.
 */
const TOTP_ALGORITHM = 'SHA1';
const TOTP_DIGITS = 6;
const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of now, for clock drift (RFC 6238 §5.2 recommends at most one). */
const TOTP_WINDOW = 1;
/** Shared secret length: 160 bits, the length RFC 4226 §4 (R6) recommends. */
const SECRET_BYTES = 20;
/** Issuer for codes computed outside enrolment (the issuer does not change the code). */
const TOTP_ISSUER = 'Medspa Telehealth';

/** A presented code: exactly six digits. */
export const totpCodeSchema = z.string().regex(/^\d{6}$/, 'must be 6 digits');

/** A fresh random shared secret, base32-encoded (RFC 4648 §6) as apps expect. */
export function generateTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

function totpFor(secretBase32: string, label: string, issuer: string = TOTP_ISSUER): TOTP {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/**
 * otpauth:// URI for QR enrolment (Google Authenticator Key Uri Format): the issuer (the
 * practice name) and account label (the user's email) are what the app lists the entry as.
 */
export function totpUri(secretBase32: string, accountLabel: string, issuer: string = TOTP_ISSUER): string {
  return totpFor(secretBase32, accountLabel, issuer).toString();
}

/** The code for `timestampMs` (tests and the practice-creation CLI use it). */
export function totpCodeAt(secretBase32: string, timestampMs: number = Date.now()): string {
  return totpFor(secretBase32, 'code').generate({ timestamp: timestampMs });
}

/**
 * Checks a code and returns the time step it belongs to, or null. A step at or before
 * `lastUsedStep` is refused, so a code seen once (shoulder-surfed, phished, replayed)
 * cannot be used again (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt
 * of the same OTP after the successful validation").
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  lastUsedStep: number | null,
  nowMs: number = Date.now(),
): number | null {
  const totp = totpFor(secretBase32, 'verify');
  const delta = totp.validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  if (delta === null) {
    return null;
  }
  const step = totp.counter({ timestamp: nowMs }) + delta;
  if (lastUsedStep !== null && step <= lastUsedStep) {
    return null;
  }
  return step;
}

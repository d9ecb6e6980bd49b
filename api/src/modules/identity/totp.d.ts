import { z } from 'zod';
/** A presented code: exactly six digits. */
export declare const totpCodeSchema: z.ZodString;
/** A fresh random shared secret, base32-encoded (RFC 4648 §6) as apps expect. */
export declare function generateTotpSecret(): string;
/**
 * otpauth:// URI for QR enrolment. The label is an opaque account reference chosen by the
 * caller (not the email: the URI is shown on screen and may be photographed).
 */
export declare function totpUri(secretBase32: string, accountLabel: string): string;
/** The code for `timestampMs` (tests and the practice-creation CLI use it). */
export declare function totpCodeAt(secretBase32: string, timestampMs?: number): string;
/**
 * Checks a code and returns the time step it belongs to, or null. A step at or before
 * `lastUsedStep` is refused, so a code seen once (shoulder-surfed, phished, replayed)
 * cannot be used again (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt
 * of the same OTP after the successful validation").
 */
export declare function verifyTotp(secretBase32: string, code: string, lastUsedStep: number | null, nowMs?: number): number | null;

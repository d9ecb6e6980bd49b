import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';

/** How many codes one issue gives (shown once; regenerating replaces them all). */
export const RECOVERY_CODE_COUNT = 10;
/**
 * 16 base32 characters = 80 bits per code, so a stolen table of SHA-256 digests cannot be
 * brute-forced offline (NIST SP 800-63B §5.1.2.1 look-up secrets: at least 64 bits when
 * hashed without a slow function).
 */
const CODE_CHARS = 16;
/** RFC 4648 §6 base32 alphabet: no 0/1/8/9, so codes read aloud without confusion. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A presented code: the 16 characters, in groups of four, any case, dashes or spaces optional. */
export const recoveryCodeSchema = z
  .string()
  .max(40)
  .transform((code) => code.replace(/[\s-]/g, '').toUpperCase())
  .pipe(z.string().regex(new RegExp(`^[${ALPHABET}]{${CODE_CHARS}}$`), 'not a recovery code'));

function newCode(): string {
  // 32 symbols divide 256 evenly, so taking each byte mod 32 is unbiased.
  const chars = [...randomBytes(CODE_CHARS)].map((byte) => ALPHABET[byte % 32] ?? 'A').join('');
  return chars.match(/.{4}/g)?.join('-') ?? chars;
}

/** The stored form: bound to the user, so equal codes of two users hash differently. */
function codeDigest(userId: string, normalizedCode: string): string {
  return createHash('sha256').update(`${userId.toLowerCase()}:${normalizedCode}`, 'utf8').digest('hex');
}

/** Replaces the user's recovery codes with fresh ones; returns them for showing once. */
export async function issueRecoveryCodes(manager: EntityManager, practiceId: string, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await manager.query(`DELETE FROM recovery_codes WHERE user_id = $1`, [userId]);
  for (const code of codes) {
    await manager.query(`INSERT INTO recovery_codes (practice_id, user_id, code_hash) VALUES ($1, $2, $3)`, [
      practiceId,
      userId,
      codeDigest(userId, code.replace(/-/g, '')),
    ]);
  }
  return codes;
}

/** Uses one code (normalized by recoveryCodeSchema); returns the number left, or null when it does not match. */
export async function useRecoveryCode(manager: EntityManager, userId: string, normalizedCode: string): Promise<number | null> {
  const used = await manager.query<{ id: string }[]>(
    `WITH used AS (
       UPDATE recovery_codes SET used_at = now()
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id)
     SELECT id FROM used`,
    [userId, codeDigest(userId, normalizedCode)],
  );
  if (used.length === 0) return null;
  return remainingRecoveryCodes(manager, userId);
}

/** Unused codes the user has left. */
export async function remainingRecoveryCodes(manager: EntityManager, userId: string): Promise<number> {
  const rows = await manager.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
    [userId],
  );
  return rows[0]?.n ?? 0;
}

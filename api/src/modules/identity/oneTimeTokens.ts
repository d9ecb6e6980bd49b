import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { AppError, badRequest } from '../../errors.js';

/** Token entropy: 256 bits from the CSPRNG (NIST SP 800-63B §5.1.1.2 asks for at least 112 bits of secret). */
const SECRET_BYTES = 32;
const SECRET_PATTERN = `[A-Za-z0-9_-]{${Math.ceil((SECRET_BYTES * 4) / 3)}}`;

/** Lifetime of a staff invitation link (issue 8: 72 hours). */
export const INVITE_TTL_SECONDS = 72 * 3600;
/** Lifetime of a password-reset link (issue 8: 30 minutes). */
export const PASSWORD_RESET_TTL_SECONDS = 30 * 60;

/** Only this digest is stored: a database leak yields no usable link. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A bare random secret (the first-run setup token, which belongs to no practice yet). */
export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/** A setup token as presented. */
export const setupTokenSchema = z.string().regex(new RegExp(`^${SECRET_PATTERN}$`), 'malformed token');

/**
 * `<practice id>.<secret>`: the practice id is not secret; it tells the server which tenant
 * to open before the lookup, since row-level security hides every tenant until one is set.
 */
export const userTokenSchema = z
  .string()
  .max(200)
  .regex(new RegExp(`^[0-9a-f-]{36}\\.${SECRET_PATTERN}$`), 'malformed token')
  .refine((token) => z.uuid().safeParse(token.slice(0, 36)).success, 'malformed token');

export type UserTokenPurpose = 'invite' | 'password_reset';

/** The errors a presented link can get: each a 4xx with a stable code. */
export const tokenInvalid = (): AppError => badRequest('token_invalid', 'This link is not valid. Ask for a new one.');
export const tokenExpired = (): AppError => new AppError(410, 'token_expired', 'This link has expired. Ask for a new one.');
export const tokenUsed = (): AppError => new AppError(410, 'token_used', 'This link has already been used. Ask for a new one.');

/**
 * Issues a single-use token for a user, replacing any unused one of the same purpose (only
 * the newest link works). Returns the token; only its digest is stored.
 */
export async function issueUserToken(
  manager: EntityManager,
  input: { practiceId: string; userId: string; purpose: UserTokenPurpose; ttlSeconds: number },
): Promise<string> {
  await manager.query(`DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [
    input.userId,
    input.purpose,
  ]);
  const token = `${input.practiceId}.${newSecret()}`;
  await manager.query(
    `INSERT INTO user_tokens (practice_id, user_id, purpose, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
    [input.practiceId, input.userId, input.purpose, tokenDigest(token), input.ttlSeconds],
  );
  return token;
}

/** The practice a (schema-valid) user token belongs to. */
export function practiceOfUserToken(token: string): string {
  return token.slice(0, 36).toLowerCase();
}

const tokenRow = z.object({ id: z.string(), user_id: z.string(), used: z.boolean(), expired: z.boolean() });

/**
 * Finds a token of `purpose` in the current tenant and, with `consume`, marks it used (row
 * lock, so two concurrent uses cannot both pass). Throws token_invalid / token_used /
 * token_expired. Returns the user it belongs to.
 */
export async function redeemUserToken(
  manager: EntityManager,
  token: string,
  purpose: UserTokenPurpose,
  consume: boolean,
): Promise<string> {
  const rows = await manager.query<unknown[]>(
    `SELECT id, user_id, used_at IS NOT NULL AS used, expires_at <= now() AS expired
       FROM user_tokens WHERE token_hash = $1 AND purpose = $2 FOR UPDATE`,
    [tokenDigest(token), purpose],
  );
  if (rows.length === 0) throw tokenInvalid();
  const row = tokenRow.parse(rows[0]);
  if (row.used) throw tokenUsed();
  if (row.expired) throw tokenExpired();
  if (consume) await manager.query(`UPDATE user_tokens SET used_at = now() WHERE id = $1`, [row.id]);
  return row.user_id;
}

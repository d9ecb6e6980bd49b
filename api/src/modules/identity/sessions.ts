import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@medspa/shared-types';
import { roleSchema } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import type { RequestContext } from '../../http/requestContext.js';

/** Refresh token entropy: 256 bits from the CSPRNG (RFC 6749 §10.10 asks for ≥128). */
const REFRESH_SECRET_BYTES = 32;

/**
 * Activity is written at most this often per session: enough precision for a 15-minute
 * idle logoff without a write on every request.
 */
export const ACTIVITY_TOUCH_INTERVAL_SECONDS = 30;

const base64urlOf = (bytes: number): string => `[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}`;

/**
 * `<practice id>.<secret>`. The practice id is not secret: it tells the server which
 * tenant to open before it looks the token up, since row-level security hides every
 * tenant until one is set.
 */
export const refreshTokenSchema = z
  .string()
  .max(200)
  .regex(new RegExp(`^[0-9a-f-]{36}\\.${base64urlOf(REFRESH_SECRET_BYTES)}$`), 'malformed refresh token')
  .refine((token) => z.uuid().safeParse(token.slice(0, 36)).success, 'malformed refresh token');

/** The practice a (schema-valid) refresh token belongs to. */
export function practiceOfRefreshToken(token: string): string {
  return token.slice(0, 36);
}

/** Only this digest is stored: a database leak yields no usable refresh token. */
function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newRefreshToken(practiceId: string): string {
  return `${practiceId}.${randomBytes(REFRESH_SECRET_BYTES).toString('base64url')}`;
}

export interface NewSession {
  sessionId: string;
  refreshToken: string;
}

/** Opens a session (one sign-in, one refresh-token family) and issues its first refresh token. */
export async function createSession(
  manager: EntityManager,
  context: RequestContext,
  input: { practiceId: string; userId: string; absoluteTtlSeconds: number },
): Promise<NewSession> {
  const rows = await manager.query<{ id: string }[]>(
    `INSERT INTO sessions (practice_id, user_id, expires_at, ip, user_agent)
     VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5) RETURNING id`,
    [input.practiceId, input.userId, input.absoluteTtlSeconds, context.ip, context.userAgent?.slice(0, 512) ?? null],
  );
  const sessionId = rows[0]?.id;
  if (sessionId === undefined) {
    throw new Error('session insert returned no row');
  }
  const refreshToken = newRefreshToken(input.practiceId);
  await manager.query(`INSERT INTO refresh_tokens (token_hash, practice_id, session_id) VALUES ($1, $2, $3)`, [
    digestOf(refreshToken),
    input.practiceId,
    sessionId,
  ]);
  return { sessionId, refreshToken };
}

export type SessionRevocationReason = 'logout' | 'idle_timeout' | 'refresh_reuse' | 'user_changed';

/** Ends a session; its refresh tokens stop working with it. Idempotent. */
export async function revokeSession(
  manager: EntityManager,
  sessionId: string,
  reason: SessionRevocationReason,
): Promise<void> {
  await manager.query(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`,
    [sessionId, reason],
  );
}

/** Ends every open session of a user (disabled, role changed). */
export async function revokeUserSessions(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = 'user_changed' WHERE user_id = $1 AND revoked_at IS NULL`,
    [userId],
  );
}

const sessionStateRow = z.object({
  session_id: z.string(),
  user_id: z.string(),
  role: roleSchema,
  revoked: z.boolean(),
  expired: z.boolean(),
  idle: z.boolean(),
  touch_due: z.boolean(),
  disabled: z.boolean(),
});

/** Why a session cannot be used; each maps to a 401 code. */
export type SessionRefusal = 'session_revoked' | 'session_expired' | 'session_idle_timeout' | 'account_disabled';

export type SessionCheck = { ok: true; role: Role } | { ok: false; refusal: SessionRefusal };

/**
 * Decides whether a session may still be used, using the database clock. A session idle
 * longer than `idleTimeoutSeconds` is ended here and the automatic logoff audited
 * (HIPAA 164.312(a)(2)(iii)). The role comes from the user row, not the token, so a role
 * change or disablement applies at once.
 */
async function checkSession(
  manager: EntityManager,
  context: RequestContext,
  input: { practiceId: string; sessionId: string; userId: string; idleTimeoutSeconds: number },
): Promise<{ check: SessionCheck; touchDue: boolean }> {
  const rows = await manager.query<unknown[]>(
    `SELECT s.id AS session_id, s.user_id, u.role,
            s.revoked_at IS NOT NULL AS revoked,
            s.expires_at <= now() AS expired,
            s.last_activity_at < now() - make_interval(secs => $3) AS idle,
            s.last_activity_at < now() - make_interval(secs => $4) AS touch_due,
            u.disabled_at IS NOT NULL AS disabled
       FROM sessions s JOIN users u ON u.practice_id = s.practice_id AND u.id = s.user_id
      WHERE s.id = $1 AND s.user_id = $2`,
    [input.sessionId, input.userId, input.idleTimeoutSeconds, ACTIVITY_TOUCH_INTERVAL_SECONDS],
  );
  if (rows.length === 0) {
    return { check: { ok: false, refusal: 'session_revoked' }, touchDue: false };
  }
  const row = sessionStateRow.parse(rows[0]);
  if (row.revoked) return { check: { ok: false, refusal: 'session_revoked' }, touchDue: false };
  if (row.disabled) return { check: { ok: false, refusal: 'account_disabled' }, touchDue: false };
  if (row.expired) return { check: { ok: false, refusal: 'session_expired' }, touchDue: false };
  if (row.idle) {
    await revokeSession(manager, input.sessionId, 'idle_timeout');
    await recordAudit(manager, input.practiceId, context, {
      action: 'auth.idle_timeout',
      entityType: 'session',
      entityId: input.sessionId,
      actorUserId: row.user_id,
      actorRole: row.role,
    });
    return { check: { ok: false, refusal: 'session_idle_timeout' }, touchDue: false };
  }
  return { check: { ok: true, role: row.role }, touchDue: row.touch_due };
}

/**
 * Validates the session behind an access token and records activity (throttled to one
 * write per ACTIVITY_TOUCH_INTERVAL_SECONDS).
 */
export async function useSession(
  manager: EntityManager,
  context: RequestContext,
  input: { practiceId: string; sessionId: string; userId: string; idleTimeoutSeconds: number },
): Promise<SessionCheck> {
  const { check, touchDue } = await checkSession(manager, context, input);
  if (check.ok && touchDue) {
    await manager.query(`UPDATE sessions SET last_activity_at = now() WHERE id = $1`, [input.sessionId]);
  }
  return check;
}

/**
 * Validates the session behind an access token without recording activity (re-checks of a
 * long-lived connection, which is no sign that anyone is using the app).
 */
export async function peekSession(
  manager: EntityManager,
  context: RequestContext,
  input: { practiceId: string; sessionId: string; userId: string; idleTimeoutSeconds: number },
): Promise<SessionCheck> {
  return (await checkSession(manager, context, input)).check;
}

export type RefreshOutcome =
  | { ok: true; userId: string; role: Role; sessionId: string; refreshToken: string }
  | { ok: false; code: SessionRefusal | 'refresh_invalid' | 'refresh_reused' };

const refreshRow = z.object({ session_id: z.string(), user_id: z.string(), rotated: z.boolean() });

/**
 * Rotates a refresh token: the presented one is marked used and a new one issued in the
 * same family (session). Presenting an already-rotated token means two parties hold the
 * family — one of them stole it — so the whole session is revoked and the event audited
 * (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). Refresh does not count as activity: an
 * unattended client refreshing in the background must still be logged off when idle.
 */
export async function rotateRefreshToken(
  manager: EntityManager,
  context: RequestContext,
  input: { practiceId: string; refreshToken: string; idleTimeoutSeconds: number },
): Promise<RefreshOutcome> {
  const digest = digestOf(input.refreshToken);
  const rows = await manager.query<unknown[]>(
    `SELECT rt.session_id, s.user_id, rt.rotated_at IS NOT NULL AS rotated
       FROM refresh_tokens rt JOIN sessions s ON s.practice_id = rt.practice_id AND s.id = rt.session_id
      WHERE rt.token_hash = $1
      FOR UPDATE OF rt, s`,
    [digest],
  );
  if (rows.length === 0) {
    return { ok: false, code: 'refresh_invalid' };
  }
  const token = refreshRow.parse(rows[0]);
  if (token.rotated) {
    await revokeSession(manager, token.session_id, 'refresh_reuse');
    await recordAudit(manager, input.practiceId, context, {
      action: 'auth.refresh_reuse_detected',
      outcome: 'denied',
      entityType: 'session',
      entityId: token.session_id,
      actorUserId: token.user_id,
      actorRole: null,
    });
    return { ok: false, code: 'refresh_reused' };
  }
  const { check } = await checkSession(manager, context, {
    practiceId: input.practiceId,
    sessionId: token.session_id,
    userId: token.user_id,
    idleTimeoutSeconds: input.idleTimeoutSeconds,
  });
  if (!check.ok) {
    return { ok: false, code: check.refusal };
  }
  await manager.query(`UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1`, [digest]);
  const refreshToken = newRefreshToken(input.practiceId);
  await manager.query(`INSERT INTO refresh_tokens (token_hash, practice_id, session_id) VALUES ($1, $2, $3)`, [
    digestOf(refreshToken),
    input.practiceId,
    token.session_id,
  ]);
  await recordAudit(manager, input.practiceId, context, {
    action: 'auth.refresh',
    entityType: 'session',
    entityId: token.session_id,
    actorUserId: token.user_id,
    actorRole: check.role,
  });
  return { ok: true, userId: token.user_id, role: check.role, sessionId: token.session_id, refreshToken };
}

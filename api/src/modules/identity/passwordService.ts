import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { callerOf } from '../../kernel/index.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { unauthorized } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { OutgoingMail } from '../../mail/mailer.js';
import { appLink, passwordResetMail, practiceDisplayName } from './accountEmails.js';
import type { IdentityDeps } from './loginService.js';
import { PASSWORD_RESET_TTL_SECONDS, issueUserToken, practiceOfUserToken, redeemUserToken } from './oneTimeTokens.js';
import { findPracticeIdBySlug } from './practices.js';
import { issueRecoveryCodes, remainingRecoveryCodes } from './recoveryCodes.js';
import { revokeUserSessions } from './sessions.js';

const wrongPassword = () => unauthorized('invalid_credentials', 'Your current password is incorrect');

const ownRow = z.object({ password_hash: z.string().nullable(), role: z.string() });

/** Checks the caller's current password (argon2id) inside their tenant transaction. */
async function requireCurrentPassword(deps: IdentityDeps, manager: Parameters<Parameters<typeof withTenant>[2]>[0], userId: string, password: string) {
  const rows = await manager.query<unknown[]>(`SELECT password_hash, role FROM users WHERE id = $1 FOR UPDATE`, [userId]);
  const row = rows[0] === undefined ? null : ownRow.parse(rows[0]);
  if (row?.password_hash === null || row === null || !(await deps.passwords.verify(row.password_hash, password))) {
    throw wrongPassword();
  }
  return row;
}

/** Ends every other session of the user; the one making the change stays signed in. */
async function revokeOtherSessions(manager: Parameters<Parameters<typeof withTenant>[2]>[0], userId: string, keepSessionId: string) {
  await manager.query(
    `UPDATE sessions SET revoked_at = now(), revoked_reason = 'user_changed'
      WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
    [userId, keepSessionId],
  );
}

/** Any signed-in user changes their own password; their other sessions end. */
export async function changePassword(
  deps: IdentityDeps,
  context: RequestContext,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const caller = callerOf(context);
  const newHash = await deps.passwords.hash(input.newPassword);
  await withTenant(deps.services.dataSource, caller.practiceId, async (manager) => {
    await requireCurrentPassword(deps, manager, caller.userId, input.currentPassword);
    await manager.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [caller.userId, newHash]);
    await revokeOtherSessions(manager, caller.userId, caller.sessionId);
    await recordAudit(manager, caller.practiceId, context, { action: 'auth.password_changed', entityType: 'user', entityId: caller.userId });
  });
}

const resetTarget = z.object({ id: z.string(), role: z.string(), email: z.string(), given_name: z.string() });

/**
 * "Forgot password": whether or not the practice or email exists, the caller gets the same
 * answer, and the email goes out after the reply (so sending time does not tell either).
 * Every request inside a known practice is audited, naming the user only when one matched.
 */
export async function requestPasswordReset(
  deps: IdentityDeps,
  context: RequestContext,
  input: { practice: string; email: string },
): Promise<{ status: 'sent' }> {
  const practiceId = await findPracticeIdBySlug(deps.services.dataSource, input.practice);
  let mail: OutgoingMail | null = null;
  if (practiceId !== null) {
    mail = await withTenant(deps.services.dataSource, practiceId, async (manager) => {
      const rows = await manager.query<unknown[]>(
        `SELECT id, role, email, given_name FROM users WHERE lower(email) = lower($1) AND disabled_at IS NULL`,
        [input.email],
      );
      const user = rows[0] === undefined ? null : resetTarget.parse(rows[0]);
      if (user === null) {
        await recordAudit(manager, practiceId, context, {
          action: 'auth.password_reset_requested',
          outcome: 'failure',
          entityType: 'user',
          actorUserId: null,
          actorRole: null,
        });
        return null;
      }
      const token = await issueUserToken(manager, { practiceId, userId: user.id, purpose: 'password_reset', ttlSeconds: PASSWORD_RESET_TTL_SECONDS });
      await recordAudit(manager, practiceId, context, {
        action: 'auth.password_reset_requested',
        entityType: 'user',
        entityId: user.id,
        actorUserId: user.id,
        actorRole: user.role,
        patientId: user.role === 'patient' ? user.id : null,
      });
      return passwordResetMail({
        to: user.email,
        practiceName: await practiceDisplayName(manager, practiceId),
        givenName: user.given_name,
        link: appLink(deps.services.config.PUBLIC_APP_URL, '/reset-password', token),
      });
    });
  }
  if (mail !== null) {
    const outgoing = mail;
    setImmediate(() => {
      deps.services.mailer.send(outgoing).catch((error: unknown) => {
        deps.services.logger.error({ err: error instanceof Error ? error.name : 'unknown' }, 'password reset email not sent');
      });
    });
  }
  return { status: 'sent' };
}

/** A new password with a reset link (used up here): every session ends, lockout clears. */
export async function resetPassword(deps: IdentityDeps, context: RequestContext, input: { token: string; newPassword: string }): Promise<void> {
  const practiceId = practiceOfUserToken(input.token);
  const newHash = await deps.passwords.hash(input.newPassword);
  await withTenant(deps.services.dataSource, practiceId, async (manager) => {
    const userId = await redeemUserToken(manager, input.token, 'password_reset', true);
    const rows = await manager.query<{ role: string }[]>(
      `WITH changed AS (
         UPDATE users SET password_hash = $2, failed_login_count = 0, locked_until = NULL WHERE id = $1 RETURNING role)
       SELECT role FROM changed`,
      [userId, newHash],
    );
    const role = rows[0]?.role ?? null;
    await revokeUserSessions(manager, userId);
    await recordAudit(manager, practiceId, context, {
      action: 'auth.password_reset',
      entityType: 'user',
      entityId: userId,
      actorUserId: userId,
      actorRole: role,
      patientId: role === 'patient' ? userId : null,
    });
  });
}

/** How many unused recovery codes the caller has (settings screen). */
export async function recoveryCodeStatus(dataSource: DataSource, context: RequestContext): Promise<{ remaining: number }> {
  const caller = callerOf(context);
  return withTenant(dataSource, caller.practiceId, async (manager) => ({ remaining: await remainingRecoveryCodes(manager, caller.userId) }));
}

/** New recovery codes (the old ones stop working), after the current password. Shown once. */
export async function regenerateRecoveryCodes(
  deps: IdentityDeps,
  context: RequestContext,
  currentPassword: string,
): Promise<{ recoveryCodes: string[] }> {
  const caller = callerOf(context);
  return withTenant(deps.services.dataSource, caller.practiceId, async (manager) => {
    await requireCurrentPassword(deps, manager, caller.userId, currentPassword);
    const recoveryCodes = await issueRecoveryCodes(manager, caller.practiceId, caller.userId);
    await recordAudit(manager, caller.practiceId, context, {
      action: 'auth.recovery_codes_issued',
      entityType: 'user',
      entityId: caller.userId,
      metadata: { count: recoveryCodes.length },
    });
    return { recoveryCodes };
  });
}

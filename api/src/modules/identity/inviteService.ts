import { PROVIDER_ROLES, STAFF_ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { callerOf } from '../../kernel/index.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError, conflict, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { CREDENTIALS } from '../licensure/providerService.js';
import { appLink, inviteMail, practiceDisplayName } from './accountEmails.js';
import type { IdentityDeps, MfaEnrolmentRequired } from './loginService.js';
import { enrolmentRequired } from './loginService.js';
import { INVITE_TTL_SECONDS, issueUserToken, practiceOfUserToken, redeemUserToken, tokenInvalid } from './oneTimeTokens.js';
import { revokeUserSessions } from './sessions.js';

const staffRoles = STAFF_ROLES as [Role, ...Role[]];
const isProvider = (role: Role): boolean => PROVIDER_ROLES.includes(role);

/** What the admin enters to invite a staff member. Providers also need their credential (shown publicly). */
export const inviteSchema = z
  .strictObject({
    role: z.enum(staffRoles),
    givenName: z.string().trim().min(1).max(100),
    familyName: z.string().trim().min(1).max(100),
    email: z.email().max(254),
    credential: z.enum(CREDENTIALS).optional(),
  })
  .refine((input) => !isProvider(input.role) || input.credential !== undefined, {
    message: 'injectors and medical directors need a credential',
    path: ['credential'],
  });
export type InviteInput = z.infer<typeof inviteSchema>;

export interface InviteResult {
  userId: string;
  role: Role;
  /** Invitation email handed to the mail server (false: resend from the user list). */
  emailSent: boolean;
}

async function sendInvite(deps: IdentityDeps, manager: EntityManager, practiceId: string, user: { id: string; email: string; givenName: string }) {
  const token = await issueUserToken(manager, { practiceId, userId: user.id, purpose: 'invite', ttlSeconds: INVITE_TTL_SECONDS });
  const practiceName = await practiceDisplayName(manager, practiceId);
  const link = appLink(deps.services.config.PUBLIC_APP_URL, '/invite', token);
  return inviteMail({ to: user.email, practiceName, givenName: user.givenName, link });
}

async function deliver(deps: IdentityDeps, mail: Parameters<IdentityDeps['services']['mailer']['send']>[0]): Promise<boolean> {
  try {
    await deps.services.mailer.send(mail);
    return true;
  } catch (error) {
    // The invite exists; the admin can resend. Never log the address or the link.
    deps.services.logger.error({ err: error instanceof Error ? error.name : 'unknown' }, 'invite email not sent');
    return false;
  }
}

/**
 * Admin invites a staff member: the user exists at once without a password (a provider with
 * a profile in the practice's time zone), and gets a single-use 72-hour link by email.
 */
export async function inviteStaff(deps: IdentityDeps, context: RequestContext, input: InviteInput): Promise<InviteResult> {
  const caller = callerOf(context);
  const { user, mail } = await withTenant(deps.services.dataSource, caller.practiceId, async (manager) => {
    await manager.query('SAVEPOINT invite_user');
    let rows: { id: string }[];
    try {
      rows = await manager.query<{ id: string }[]>(
        `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
         VALUES ($1, $2, $3, NULL, $4, $5) RETURNING id`,
        [caller.practiceId, input.role, input.email, input.givenName, input.familyName],
      );
    } catch (error) {
      if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505') {
        await manager.query('ROLLBACK TO SAVEPOINT invite_user');
        throw conflict('email_taken', 'Someone in this practice already uses this email');
      }
      throw error;
    }
    const userId = rows[0]?.id;
    if (userId === undefined) throw new AppError(500, 'internal', 'user insert returned no row');
    if (isProvider(input.role) && input.credential !== undefined) {
      await manager.query(
        `INSERT INTO provider_profiles (practice_id, user_id, credential, time_zone)
         SELECT $1, $2, $3, time_zone FROM practices WHERE id = $1`,
        [caller.practiceId, userId, input.credential],
      );
    }
    await recordAudit(manager, caller.practiceId, context, {
      action: 'user.invite',
      entityType: 'user',
      entityId: userId,
      metadata: { role: input.role },
    });
    const invited = { id: userId, email: input.email, givenName: input.givenName };
    return { user: invited, mail: await sendInvite(deps, manager, caller.practiceId, invited) };
  });
  // After commit: the link in the email must already work when it arrives.
  return { userId: user.id, role: input.role, emailSent: await deliver(deps, mail) };
}

const pendingRow = z.object({ id: z.string(), email: z.string(), given_name: z.string(), role: z.string(), pending: z.boolean() });

/** Sends a fresh invitation link to a user who has not accepted yet (the old link stops working). */
export async function resendInvite(deps: IdentityDeps, context: RequestContext, userId: string): Promise<{ emailSent: boolean }> {
  const caller = callerOf(context);
  const mail = await withTenant(deps.services.dataSource, caller.practiceId, async (manager) => {
    const rows = await manager.query<unknown[]>(
      `SELECT id, email, given_name, role, password_hash IS NULL AS pending FROM users WHERE id = $1 AND disabled_at IS NULL`,
      [userId],
    );
    if (rows.length === 0) throw notFound('user_not_found', 'No such user');
    const user = pendingRow.parse(rows[0]);
    if (!user.pending) throw conflict('invite_accepted', 'This person has already set up their account');
    await recordAudit(manager, caller.practiceId, context, { action: 'user.invite', entityType: 'user', entityId: user.id, metadata: { resend: true } });
    return sendInvite(deps, manager, caller.practiceId, { id: user.id, email: user.email, givenName: user.given_name });
  });
  return { emailSent: await deliver(deps, mail) };
}

const inviteeRow = z.object({ given_name: z.string(), role: z.string(), disabled: z.boolean(), pending: z.boolean() });

async function invitee(manager: EntityManager, userId: string) {
  const rows = await manager.query<unknown[]>(
    `SELECT given_name, role, disabled_at IS NOT NULL AS disabled, password_hash IS NULL AS pending FROM users WHERE id = $1`,
    [userId],
  );
  const row = rows[0] === undefined ? null : inviteeRow.parse(rows[0]);
  if (row === null || row.disabled) throw tokenInvalid();
  return row;
}

/** What the invitation screen greets with; the link stays unused. */
export async function checkInvite(
  deps: IdentityDeps,
  token: string,
): Promise<{ practiceName: string; givenName: string }> {
  const practiceId = practiceOfUserToken(token);
  return withTenant(deps.services.dataSource, practiceId, async (manager) => {
    const userId = await redeemUserToken(manager, token, 'invite', false);
    const user = await invitee(manager, userId);
    return { practiceName: await practiceDisplayName(manager, practiceId), givenName: user.given_name };
  });
}

/**
 * The invitee chooses a password with their link (used up here) and continues straight
 * into TOTP enrolment. Audited as the invitee.
 */
export async function acceptInvite(
  deps: IdentityDeps,
  context: RequestContext,
  input: { token: string; password: string },
): Promise<MfaEnrolmentRequired> {
  const practiceId = practiceOfUserToken(input.token);
  const passwordHash = await deps.passwords.hash(input.password);
  const userId = await withTenant(deps.services.dataSource, practiceId, async (manager) => {
    const id = await redeemUserToken(manager, input.token, 'invite', true);
    const user = await invitee(manager, id);
    await manager.query(`UPDATE users SET password_hash = $2, failed_login_count = 0, locked_until = NULL WHERE id = $1`, [
      id,
      passwordHash,
    ]);
    await revokeUserSessions(manager, id);
    await recordAudit(manager, practiceId, context, {
      action: 'user.invite_accepted',
      entityType: 'user',
      entityId: id,
      actorUserId: id,
      actorRole: user.role,
    });
    return id;
  });
  return enrolmentRequired(deps.services, userId, practiceId);
}

import { z } from 'zod';
import { keyRingFromConfig } from '../../crypto/keyRing.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import { callerOf } from '../../kernel/index.js';
import type { ApiServices } from '../../services.js';
import { acceptInvite, checkInvite, inviteSchema, inviteStaff, resendInvite } from './inviteService.js';
import { setupTokenSchema, userTokenSchema } from './oneTimeTokens.js';
import { PasswordHasher, newPasswordSchema, presentedPasswordSchema } from './passwords.js';
import {
  changePassword,
  recoveryCodeStatus,
  regenerateRecoveryCodes,
  requestPasswordReset,
  resetPassword,
} from './passwordService.js';
import { practiceSlugSchema } from './practices.js';
import { checkSetupToken, completeFirstRun, firstRunSchema } from './setupService.js';

/**
 * Day one without curl (issue 8): first-run setup, staff invitations, password change and
 * reset, recovery codes. Token endpoints are public (the link is the credential) and sit
 * under /v1/auth, where the stricter rate limit applies.
 */
export function onboardingRoutes(services: ApiServices): RouteSpec[] {
  const passwords = new PasswordHasher(services.config.PASSWORD_HASH_PROFILE);
  const deps = { services, passwords, keyRing: keyRingFromConfig(services.config) };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/auth/setup/check',
      access: 'public',
      summary: 'Whether a first-run setup link still works',
      body: z.strictObject({ token: setupTokenSchema }),
      handle: async ({ body }) => ({ body: await checkSetupToken(services.dataSource, body.token) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/setup',
      access: 'public',
      summary: 'First run: create the practice and its first admin with the one-time setup link',
      body: z.strictObject({ token: setupTokenSchema, ...firstRunSchema.shape }),
      handle: async ({ body, context }) => {
        const { token, ...input } = body;
        return { status: 201, body: await completeFirstRun(deps, context, token, input) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/invites',
      access: ['admin'],
      summary: 'Invite a staff member by email (they choose their own password)',
      body: inviteSchema,
      handle: async ({ body, context }) => ({ status: 201, body: await inviteStaff(deps, context, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/invites/:userId/resend',
      access: ['admin'],
      summary: 'Send a fresh invitation link to someone who has not accepted yet',
      params: z.strictObject({ userId: z.uuid() }),
      handle: async ({ params, context }) => ({ body: await resendInvite(deps, context, params.userId) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/invite/check',
      access: 'public',
      summary: 'Whom an invitation link is for (first name and practice), without using it',
      body: z.strictObject({ token: userTokenSchema }),
      handle: async ({ body }) => ({ body: await checkInvite(deps, body.token) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/invite/accept',
      access: 'public',
      summary: 'Accept an invitation: choose a password, then enrol TOTP',
      body: z.strictObject({ token: userTokenSchema, password: newPasswordSchema }),
      handle: async ({ body, context }) => ({ body: await acceptInvite(deps, context, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/password/forgot',
      access: 'public',
      summary: 'Email a password-reset link; the same answer whether or not the email is registered',
      body: z.strictObject({ practice: practiceSlugSchema, email: z.email().max(254) }),
      handle: async ({ body, context }) => ({ status: 202, body: await requestPasswordReset(deps, context, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/password/reset',
      access: 'public',
      summary: 'Choose a new password with a reset link; every session ends',
      body: z.strictObject({ token: userTokenSchema, newPassword: newPasswordSchema }),
      handle: async ({ body, context }) => {
        await resetPassword(deps, context, body);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/password',
      access: 'authenticated',
      summary: 'Change your own password (current password required); your other sessions end',
      body: z.strictObject({ currentPassword: presentedPasswordSchema, newPassword: newPasswordSchema }),
      handle: async ({ body, context }) => {
        await changePassword(deps, context, body);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/recovery-codes',
      access: 'authenticated',
      summary: 'How many unused recovery codes you have',
      handle: async ({ context }) => ({ body: await recoveryCodeStatus(services.dataSource, context) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/recovery-codes',
      access: 'authenticated',
      summary: 'Replace your recovery codes (current password required); the new ones are shown once',
      body: z.strictObject({ currentPassword: presentedPasswordSchema }),
      handle: async ({ body, context }) => ({ body: await regenerateRecoveryCodes(deps, context, body.currentPassword) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/practice',
      access: 'authenticated',
      summary: 'Your practice: name, branding name, address slug and time zone',
      handle: async ({ context }) => {
        const caller = callerOf(context);
        const rows = await withTenant(services.dataSource, caller.practiceId, (manager) =>
          manager.query<{ name: string; branding_name: string | null; slug: string; time_zone: string }[]>(
            `SELECT name, branding_name, slug, time_zone FROM practices WHERE id = $1`,
            [caller.practiceId],
          ),
        );
        const row = rows[0];
        return {
          body: {
            name: row?.name ?? '',
            brandingName: row?.branding_name ?? row?.name ?? '',
            slug: row?.slug ?? '',
            timeZone: row?.time_zone ?? '',
          },
        };
      },
    }),
  ];
}

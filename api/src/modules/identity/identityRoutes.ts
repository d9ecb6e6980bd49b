import { roleSchema } from '@medspa/shared-types';
import { z } from 'zod';
import { keyRingFromConfig } from '../../crypto/keyRing.js';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { confirmMfaEnrolment, login, startMfaEnrolment } from './loginService.js';
import { PasswordHasher, newPasswordSchema, presentedPasswordSchema } from './passwords.js';
import { practiceSlugSchema } from './practices.js';
import { logout, refreshSession } from './sessionService.js';
import { refreshTokenSchema } from './sessions.js';
import { totpCodeSchema } from './totp.js';
import { registerPatient, verifyEmail, verifyEmailSchema } from './patientRegistration.js';
import { createUser, getMe, getUser, listUsers, updateUser } from './userService.js';
import { callerOf } from '../../kernel/index.js';

const emailSchema = z.email().max(254);
const nameSchema = z.string().trim().min(1).max(100);
/** JWTs are three base64url segments; the bound keeps garbage away from the verifier. */
const jwtSchema = z.string().max(4096).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'not a token');

const loginBody = z.strictObject({
  practice: practiceSlugSchema,
  email: emailSchema,
  password: presentedPasswordSchema,
  totpCode: totpCodeSchema.optional(),
});

const newUserFields = {
  email: emailSchema,
  password: newPasswordSchema,
  givenName: nameSchema,
  familyName: nameSchema,
};

const userIdParams = z.strictObject({ userId: z.uuid() });

const listQuery = z.strictObject({
  role: roleSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const updateBody = z
  .strictObject({ role: roleSchema.optional(), disabled: z.boolean().optional(), resetMfa: z.literal(true).optional() })
  .refine((body) => body.role !== undefined || body.disabled !== undefined || body.resetMfa !== undefined, 'nothing to change');

/**
 * Sign-in, MFA enrolment, token refresh/logout, profile, user administration, patient
 * self-registration and the public signing key set.
 */
export function identityRoutes(services: ApiServices): RouteSpec[] {
  const passwords = new PasswordHasher(services.config.PASSWORD_HASH_PROFILE);
  const deps = { services, passwords, keyRing: keyRingFromConfig(services.config) };
  const { dataSource } = services;

  return [
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      access: 'public',
      summary: 'Public keys that verify tokens signed by the API (the SFU uses them for room tokens)',
      handle: () => Promise.resolve({ body: services.tokens.publicJwks(), headers: { 'Cache-Control': 'public, max-age=300' } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/login',
      access: 'public',
      summary: 'Sign in with practice, email, password and (staff) a TOTP code',
      body: loginBody,
      handle: async ({ body, context }) => ({ body: await login(deps, context, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/mfa/enrol',
      access: 'public',
      summary: 'Start TOTP enrolment with an enrolment-only token; returns the secret once',
      body: z.strictObject({ enrolmentToken: jwtSchema }),
      handle: async ({ body, context }) => ({ body: await startMfaEnrolment(deps, context, body.enrolmentToken) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/mfa/confirm',
      access: 'public',
      summary: 'Confirm TOTP enrolment with a code; signs the user in',
      body: z.strictObject({ enrolmentToken: jwtSchema, totpCode: totpCodeSchema }),
      handle: async ({ body, context }) => ({ body: await confirmMfaEnrolment(deps, context, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/refresh',
      access: 'public',
      summary: 'Rotate a refresh token for a new access token',
      body: z.strictObject({ refreshToken: refreshTokenSchema }),
      handle: async ({ body, context }) => ({ body: await refreshSession(services, context, body.refreshToken) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/logout',
      access: 'authenticated',
      summary: 'End the current session',
      handle: async ({ context }) => {
        await logout(services, context, callerOf(context));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me',
      access: 'authenticated',
      summary: 'The signed-in user',
      handle: async ({ context }) => ({ body: await getMe(dataSource, context) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/users',
      access: ['admin'],
      summary: 'Create a staff member or patient in the practice',
      body: z.strictObject({ role: roleSchema, ...newUserFields }),
      handle: async ({ body, context }) => ({ status: 201, body: await createUser(dataSource, passwords, context, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users',
      access: ['admin'],
      summary: 'List the practice users',
      query: listQuery,
      handle: async ({ query, context }) => ({ body: await listUsers(dataSource, context, query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/users/:userId',
      access: ['admin'],
      summary: 'Read one user',
      params: userIdParams,
      handle: async ({ params, context }) => ({ body: await getUser(dataSource, context, params.userId) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/users/:userId',
      access: ['admin'],
      summary: 'Change a user role, disable/enable the user or reset their MFA',
      params: userIdParams,
      body: updateBody,
      handle: async ({ params, body, context }) => ({
        body: await updateUser(dataSource, context, params.userId, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/practices/:slug/patients',
      access: 'public',
      summary: 'Patient self-registration; the same 202 whether or not the email has an account (the mailbox learns which)',
      params: z.strictObject({ slug: practiceSlugSchema }),
      body: z.strictObject(newUserFields),
      handle: async ({ params, body, context }) => ({
        status: 202,
        body: await registerPatient(services, passwords, context, params.slug, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/auth/verify-email',
      access: 'public',
      summary: 'Open an email verification link with the password chosen at registration (single use; 410 when used or expired)',
      body: verifyEmailSchema,
      handle: async ({ body, context }) => ({ body: await verifyEmail(services, passwords, context, body) }),
    }),
  ];
}

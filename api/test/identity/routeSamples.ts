import type { RouteSample } from '../crossCutting/routeSamples.js';

/**
 * Samples for the onboarding routes (first-run setup, invites, password change and reset,
 * recovery codes), spread into ROUTE_SAMPLES. Token samples are well-formed tokens nobody
 * issued, so the matrix proves the routes answer without using anything up;
 * api/test/identity/onboarding.test.ts covers the working paths.
 */
const unissuedSecret = 'A'.repeat(43);
const unissuedUserToken = (practiceId: string): string => `${practiceId}.${unissuedSecret}`;

export const IDENTITY_ROUTE_SAMPLES: Record<string, RouteSample> = {
  'POST /v1/auth/setup/check': { crossTenant: 'none', body: () => ({ token: unissuedSecret }), ownTenantStatuses: [400] },
  'POST /v1/auth/setup': {
    crossTenant: 'none',
    body: ({ caller }) => ({
      token: unissuedSecret,
      practice: { name: 'Sample Spa', slug: 'sample-spa', timeZone: 'America/Chicago', brandingName: 'Sample' },
      admin: { givenName: caller.phi.givenName, familyName: caller.phi.familyName, email: caller.phi.email, password: caller.phi.password },
    }),
    ownTenantStatuses: [400],
  },
  // The tenant's patient already uses this email: 409, and no email is sent from the matrix.
  'POST /v1/invites': {
    crossTenant: 'none',
    body: ({ caller }) => ({ role: 'front_desk', givenName: caller.phi.givenName, familyName: caller.phi.familyName, email: caller.phi.email }),
    ownTenantStatuses: [409],
  },
  // The patient has a password already: nothing to resend (409); another tenant's user is 404.
  'POST /v1/invites/:userId/resend': { params: ({ tenant }) => ({ userId: tenant.patient.id }), ownTenantStatuses: [409] },
  'POST /v1/auth/invite/check': {
    crossTenant: 'none',
    body: ({ caller }) => ({ token: unissuedUserToken(caller.practice.id) }),
    ownTenantStatuses: [400],
  },
  'POST /v1/auth/invite/accept': {
    crossTenant: 'none',
    body: ({ caller }) => ({ token: unissuedUserToken(caller.practice.id), password: caller.phi.password }),
    ownTenantStatuses: [400],
  },
  // An unknown email: the same 202 as a known one, and nothing is sent.
  'POST /v1/auth/password/forgot': {
    crossTenant: 'none',
    body: ({ caller }) => ({ practice: caller.practice.slug, email: 'nobody@example.test' }),
    ownTenantStatuses: [202],
  },
  'POST /v1/auth/password/reset': {
    crossTenant: 'none',
    body: ({ caller }) => ({ token: unissuedUserToken(caller.practice.id), newPassword: caller.phi.password }),
    ownTenantStatuses: [400],
  },
  // A too-short new password (400): the matrix must not change the sessions' passwords.
  'POST /v1/me/password': {
    crossTenant: 'none',
    body: () => ({ currentPassword: 'whatever-it-is', newPassword: 'short' }),
    ownTenantStatuses: [400],
  },
  'GET /v1/me/recovery-codes': { crossTenant: 'none', ownTenantStatuses: [200] },
  'POST /v1/me/recovery-codes': { crossTenant: 'none', body: () => ({ currentPassword: '' }), ownTenantStatuses: [400] },
  'GET /v1/practice': { crossTenant: 'none', ownTenantStatuses: [200] },
};

/**
 * Sample requests for EVERY mounted route, used by the cross-cutting suites in this folder
 * (authz matrix, fuzz, PHI-in-logs). Those suites FAIL for any route in `api.routes` that
 * has no entry here, so a new route is covered the moment it is mounted.
 *
 * How to register a route — add an entry keyed `METHOD path`, exactly as in defineRoute:
 *
 *   'GET /v1/widgets/:widgetId': {
 *     // Create what the builders refer to, once per tenant (both tenants get one), and
 *     // remember ids in tenant.ids. Use the owner connection (asOwner) or real endpoints
 *     // with tenant.sessions[role].accessToken.
 *     seed: async ({ test, tenant }) => { tenant.ids.widget = await makeWidget(test, tenant); },
 *     // Path params naming a resource OF `tenant`. The matrix calls this with the caller's
 *     // own tenant and with the OTHER tenant: every allowed role must then get 404.
 *     params: ({ tenant }) => ({ widgetId: tenant.ids.widget ?? '' }),
 *     // Optional: a valid body / query string (values may use tenant.phi strings).
 *     body: ({ caller }) => ({ label: caller.phi.givenName }),
 *     query: () => ({ limit: '5' }),
 *   },
 *
 * Fields:
 * - `crossTenant`: 'params' (default when the path has params) means the route addresses a
 *   tenant resource through its path, so another tenant's ids must give 404; 'none' for
 *   routes that name no tenant resource (lists, creation, public pages).
 * - `freshSession`: the route ends the caller's session (logout): suites use a throwaway login.
 * - `ownTenantStatuses`: statuses the sample may get for allowed roles in their own tenant
 *   (default: anything below 500 except 401); narrow it when you can.
 *
 * Builders receive `{ test, tenant, caller }`: `tenant` owns the addressed resources,
 * `caller` is the signed-in user's tenant (the same object unless crossing tenants).
 */
import type { RouteSpec } from '../../src/http/route.js';
import { AUDIT_ROUTE_SAMPLES } from '../audit/routeSamples.js';
import { CARE_TEAM_ROUTE_SAMPLES } from '../careteam/routeSamples.js';
import { CHART_ROUTE_SAMPLES } from '../chart/routeSamples.js';
import { CLINICAL_ROUTE_SAMPLES } from '../clinical/routeSamples.js';
import { IDENTITY_ROUTE_SAMPLES } from '../identity/routeSamples.js';
import { INVITATION_ROUTE_SAMPLES } from '../rooms/routeSamples.js';
import { SCHEDULING_ROUTE_SAMPLES } from '../scheduling/routeSamples.js';
import type { TestApi } from '../testApi.js';
import type { TenantFixture } from './world.js';

export interface SampleContext {
  test: TestApi;
  tenant: TenantFixture;
  caller: TenantFixture;
}

export interface RouteSample {
  seed?: (context: { test: TestApi; tenant: TenantFixture }) => Promise<void>;
  params?: (context: SampleContext) => Record<string, string>;
  query?: (context: SampleContext) => Record<string, string>;
  body?: (context: SampleContext) => unknown;
  crossTenant?: 'params' | 'none';
  freshSession?: boolean;
  ownTenantStatuses?: readonly number[];
}

/** `GET /v1/users/:userId` style key of a route. */
export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${route.method.toUpperCase()} ${route.path}`;
}

/** A syntactically valid refresh token nobody issued (the practice part picks the tenant). */
const unknownRefreshToken = (practiceId: string): string => `${practiceId}.${'Q'.repeat(43)}`;

export const ROUTE_SAMPLES: Record<string, RouteSample> = {
  // Clinical records: api/test/clinical/routeSamples.ts.
  ...CLINICAL_ROUTE_SAMPLES,
  // Scheduling, licensure and consent: api/test/scheduling/routeSamples.ts.
  ...SCHEDULING_ROUTE_SAMPLES,
  // Audit trail: api/test/audit/routeSamples.ts.
  ...AUDIT_ROUTE_SAMPLES,
  // Care team and break-glass: api/test/careteam/routeSamples.ts.
  ...CARE_TEAM_ROUTE_SAMPLES,
  // Chart: api/test/chart/routeSamples.ts.
  ...CHART_ROUTE_SAMPLES,
  // Onboarding (setup, invites, passwords, recovery codes): api/test/identity/routeSamples.ts.
  ...IDENTITY_ROUTE_SAMPLES,
  // Visit guests (invite, list, withdraw, the guest's link): api/test/rooms/routeSamples.ts.
  ...INVITATION_ROUTE_SAMPLES,
  // --- health / platform -----------------------------------------------------------------
  'GET /health': { crossTenant: 'none', ownTenantStatuses: [200] },
  'GET /ready': { crossTenant: 'none', ownTenantStatuses: [200] },
  'GET /openapi.json': { crossTenant: 'none', ownTenantStatuses: [200] },

  // --- identity ----------------------------------------------------------------------------
  'GET /.well-known/jwks.json': { crossTenant: 'none', ownTenantStatuses: [200] },
  'POST /v1/auth/login': {
    crossTenant: 'none',
    // An unknown account: the sample must not lock or sign anyone in as a side effect.
    body: ({ caller }) => ({ practice: caller.practice.slug, email: 'nobody@example.test', password: caller.phi.password }),
    ownTenantStatuses: [401],
  },
  'POST /v1/auth/mfa/enrol': {
    crossTenant: 'none',
    body: () => ({ enrolmentToken: 'aaaa.bbbb.cccc' }),
    ownTenantStatuses: [401],
  },
  'POST /v1/auth/mfa/confirm': {
    crossTenant: 'none',
    body: () => ({ enrolmentToken: 'aaaa.bbbb.cccc', totpCode: '123456' }),
    ownTenantStatuses: [401],
  },
  'POST /v1/auth/refresh': {
    crossTenant: 'none',
    body: ({ caller }) => ({ refreshToken: unknownRefreshToken(caller.practice.id) }),
    ownTenantStatuses: [401],
  },
  'POST /v1/auth/logout': { crossTenant: 'none', freshSession: true, ownTenantStatuses: [204] },
  'GET /v1/me': { crossTenant: 'none', ownTenantStatuses: [200] },
  'GET /v1/waiting-room': { crossTenant: 'none', ownTenantStatuses: [200] },
  'POST /v1/users': {
    crossTenant: 'none',
    body: ({ caller }) => ({
      role: 'patient',
      email: `sample.${Math.random().toString(36).slice(2)}@example.test`,
      password: caller.phi.password,
      givenName: caller.phi.givenName,
      familyName: caller.phi.familyName,
    }),
    ownTenantStatuses: [201],
  },
  'GET /v1/users': { crossTenant: 'none', query: () => ({ limit: '5' }), ownTenantStatuses: [200] },
  'GET /v1/users/:userId': {
    params: ({ tenant }) => ({ userId: tenant.patient.id }),
    ownTenantStatuses: [200],
  },
  'PATCH /v1/users/:userId': {
    params: ({ tenant }) => ({ userId: tenant.patient.id }),
    // Re-enabling is idempotent, so the matrix can call it any number of times.
    body: () => ({ disabled: false }),
    ownTenantStatuses: [200],
  },
  'POST /v1/practices/:slug/patients': {
    crossTenant: 'none',
    params: ({ caller }) => ({ slug: caller.practice.slug }),
    body: ({ caller }) => ({
      email: `self.${Math.random().toString(36).slice(2)}@example.test`,
      password: caller.phi.password,
      givenName: caller.phi.givenName,
      familyName: caller.phi.familyName,
    }),
    ownTenantStatuses: [202],
  },
  // A well-formed token nobody issued: the clear 400 a stale or mistyped link gets.
  'POST /v1/auth/verify-email': {
    crossTenant: 'none',
    body: ({ caller }) => ({ practice: caller.practice.slug, token: 'A'.repeat(43), password: caller.phi.password }),
    ownTenantStatuses: [400],
  },
  // Rooms (api/test/rooms covers the participant checks with a real appointment).
  'POST /v1/appointments/:appointmentId/room-token': {
    params: () => ({ appointmentId: '00000000-0000-4000-8000-000000000000' }),
    ownTenantStatuses: [404],
  },
  'POST /v1/appointments/:appointmentId/room-heartbeat': {
    params: () => ({ appointmentId: '00000000-0000-4000-8000-000000000000' }),
    ownTenantStatuses: [404],
  },
  // 503 turn_not_configured: the shared test API runs without TURN_SECRET.
  'GET /v1/turn-credentials': { crossTenant: 'none', ownTenantStatuses: [200, 503] },
};

import { ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import type { RouteSpec } from '../../src/http/route.js';
import { createUser, loginAs, loginUser } from '../fixtures/identity.js';
import { asOwner } from '../testDatabase.js';
import { ROUTE_SAMPLES, routeKey } from './routeSamples.js';
import { allows, buildWorld, send, sampleFor, sendSample } from './world.js';
import type { SampleWorld } from './world.js';

/**
 * Every route × every role × (own tenant, other tenant), driven by the routes' own
 * `access` declarations and the samples in routeSamples.ts.
 */
describe('authorization matrix over every mounted route', () => {
  let world: SampleWorld;
  let routes: RouteSpec[];

  beforeAll(async () => {
    world = await buildWorld();
    // A route without a sample fails the registry test below, and only that one.
    routes = world.test.api.routes.filter((route) => ROUTE_SAMPLES[routeKey(route)] !== undefined);
  }, 180_000);

  afterAll(async () => {
    await world.close();
  });

  const describeRoute = (route: RouteSpec): string => routeKey(route);

  async function tokenFor(route: RouteSpec, role: Role): Promise<string> {
    if (sampleFor(route).freshSession === true) {
      return (await loginAs(world.test, world.own.practice.slug, role)).accessToken;
    }
    return world.own.sessions[role].accessToken;
  }

  it('has a sample entry for every mounted route (register new routes in routeSamples.ts)', () => {
    const mounted = world.test.api.routes.map(routeKey);
    const missing = mounted.filter((key) => ROUTE_SAMPLES[key] === undefined);
    expect(missing).toEqual([]);
    const stale = Object.keys(ROUTE_SAMPLES).filter((key) => !mounted.includes(key));
    expect(stale).toEqual([]);
  });

  it('answers 401 without a token on every non-public route', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((candidate) => candidate.access !== 'public')) {
      const response = await sendSample(world, route, { caller: world.own, target: world.own });
      if (response.status !== 401) failures.push(`${describeRoute(route)} -> ${response.status}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('answers 403 to every role a route does not allow', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      for (const role of ROLES.filter((candidate) => !allows(route, candidate))) {
        checked += 1;
        const response = await sendSample(world, route, {
          caller: world.own,
          target: world.own,
          token: world.own.sessions[role].accessToken,
        });
        if (response.status !== 403) failures.push(`${describeRoute(route)} as ${role} -> ${response.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  }, 120_000);

  it('lets allowed roles use their own tenant (no 401/403 or 5xx)', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const sample = sampleFor(route);
      for (const role of ROLES.filter((candidate) => allows(route, candidate))) {
        const token = route.access === 'public' ? undefined : await tokenFor(route, role);
        const response = await sendSample(world, route, { caller: world.own, target: world.own, token });
        const expected = sample.ownTenantStatuses;
        const ok =
          expected === undefined
            ? response.status < 500 && response.status !== 401 && response.status !== 403
            : expected.includes(response.status);
        if (!ok) failures.push(`${describeRoute(route)} as ${role} -> ${response.status} ${response.text.slice(0, 120)}`);
        if (route.access === 'public') break;
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);

  it("answers 404 to allowed roles addressing another tenant's resources", async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      const sample = sampleFor(route);
      const crossTenant = sample.crossTenant ?? (route.path.includes(':') ? 'params' : 'none');
      if (crossTenant === 'none') continue;
      for (const role of ROLES.filter((candidate) => allows(route, candidate))) {
        checked += 1;
        const token = route.access === 'public' ? undefined : await tokenFor(route, role);
        const response = await sendSample(world, route, { caller: world.own, target: world.other, token });
        if (response.status !== 404) {
          failures.push(`${describeRoute(route)} as ${role} -> ${response.status} ${response.text.slice(0, 120)}`);
        }
        // Whatever the status, the other tenant's ids must not come back.
        for (const id of Object.values(world.other.ids).concat(world.other.patient.id)) {
          if (response.text.includes(id)) failures.push(`${describeRoute(route)} as ${role} leaked ${id}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  }, 180_000);

  /**
   * Routes that read or write one patient's clinical records, which the kernel's
   * care-team check guards (docs/access-policy.md). The reads must open with break-glass.
   */
  const CARE_TEAM_WRITES = [
    'POST /v1/appointments/:appointmentId/note',
    'PUT /v1/notes/:noteId',
    'POST /v1/notes/:noteId/sign',
    'POST /v1/notes/:noteId/addenda',
    'POST /v1/appointments/:appointmentId/photos',
    'POST /v1/patients/:patientId/referrals',
  ];
  const CARE_TEAM_READS = [
    'GET /v1/notes/:noteId',
    'GET /v1/notes/:noteId/versions',
    'GET /v1/notes/:noteId/versions/:version',
    'GET /v1/patients/:patientId/notes',
    'GET /v1/patients/:patientId/gfe-outcomes',
    'GET /v1/photos/:photoId',
    'GET /v1/patients/:patientId/photos',
    'GET /v1/appointments/:appointmentId/questionnaire',
  ];

  it('same practice, not on the care team: 403 on every clinical route, 200 on reads after break-glass (audited as such)', async () => {
    const practice = world.own.practice;
    const outsider = await loginUser(world.test, practice.slug, await createUser(world.test, practice.id, 'injector'));
    const byKey = new Map(world.test.api.routes.map((route) => [routeKey(route), route]));
    const clinical = [...CARE_TEAM_WRITES, ...CARE_TEAM_READS].map((key) => {
      const route = byKey.get(key);
      if (route === undefined) throw new Error(`clinical route ${key} is not mounted`);
      return route;
    });
    const failures: string[] = [];
    for (const route of clinical) {
      const response = await sendSample(world, route, { caller: world.own, target: world.own, token: outsider.accessToken });
      const code = (JSON.parse(response.text) as { code?: string }).code;
      if (response.status !== 403 || code !== 'not_on_care_team') failures.push(`${routeKey(route)} -> ${response.status} ${code ?? ''}`);
    }
    expect(failures).toEqual([]);

    const patientId = world.own.sessions.patient.userId;
    const glass = await send(world.baseUrl, {
      method: 'POST',
      path: `/v1/patients/${patientId}/break-glass`,
      token: outsider.accessToken,
      contentType: 'application/json',
      body: JSON.stringify({ reason: 'Covering an urgent after-hours call' }),
    });
    expect(glass.status).toBe(201);
    for (const key of CARE_TEAM_READS) {
      const route = byKey.get(key);
      if (route === undefined) continue;
      const response = await sendSample(world, route, { caller: world.own, target: world.own, token: outsider.accessToken });
      if (response.status !== 200) failures.push(`${key} after break-glass -> ${response.status} ${response.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);

    const rows = await asOwner(world.test.database.url, (client) =>
      client.query<{ action: string; outcome: string; basis: string | null; reason_length: number | null }>(
        `SELECT action, outcome, metadata->>'access_basis' AS basis, (metadata->>'reason_length')::int AS reason_length
         FROM audit_events WHERE actor_user_id = $1 ORDER BY seq`,
        [outsider.userId],
      ),
    );
    const denied = rows.rows.filter((row) => row.outcome === 'denied');
    expect(denied.length).toBeGreaterThanOrEqual(clinical.length);
    const grant = rows.rows.find((row) => row.action === 'access.break_glass');
    expect(grant).toMatchObject({ outcome: 'success', reason_length: 'Covering an urgent after-hours call'.length });
    const reads = rows.rows.filter((row) => row.outcome === 'success' && row.action !== 'access.break_glass' && row.action !== 'auth.login');
    expect(reads.length).toBeGreaterThanOrEqual(CARE_TEAM_READS.length);
    expect(reads.every((row) => row.basis === 'break_glass')).toBe(true);
    // The reason itself stays in the grant table, never in the audit trail.
    const leaked = await asOwner(world.test.database.url, (client) =>
      client.query(`SELECT 1 FROM audit_events WHERE metadata::text LIKE '%after-hours%'`),
    );
    expect(leaked.rowCount).toBe(0);
  }, 120_000);
});

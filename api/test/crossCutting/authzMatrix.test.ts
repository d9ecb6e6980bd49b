import { ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import type { RouteSpec } from '../../src/http/route.js';
import { loginAs } from '../fixtures/identity.js';
import { ROUTE_SAMPLES, routeKey } from './routeSamples.js';
import { allows, buildWorld, sampleFor, sendSample } from './world.js';
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
});

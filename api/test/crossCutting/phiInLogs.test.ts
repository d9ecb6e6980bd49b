import { ROLES } from '@medspa/shared-types';
import type { RouteSpec } from '../../src/http/route.js';
import { asOwner } from '../testDatabase.js';
import { ROUTE_SAMPLES, routeKey } from './routeSamples.js';
import { allows, buildWorld, fillPath, sampleFor, send, sendSample } from './world.js';
import type { PhiStrings, SampleWorld, TenantFixture } from './world.js';

/** The PHI strings found in `logText`, compared case-insensitively. */
function findLeaks(logText: string, values: readonly string[]): string[] {
  const haystack = logText.toLowerCase();
  return values.filter((value) => haystack.includes(value.toLowerCase()));
}

const valuesOf = (phi: PhiStrings): string[] => [phi.givenName, phi.familyName, phi.email, phi.password, phi.dateOfBirth];

/**
 * Pushes PHI through every route (valid samples, invalid bodies that fail validation,
 * query strings, other tenant) and then searches everything the API logged for it.
 */
describe('no PHI in logs', () => {
  let world: SampleWorld;
  let routes: RouteSpec[];
  let registered: PhiStrings;

  beforeAll(async () => {
    world = await buildWorld();
    routes = world.test.api.routes.filter((route) => ROUTE_SAMPLES[routeKey(route)] !== undefined);
    registered = {
      givenName: 'Regphigivenzq',
      familyName: 'Regphifamilyzq',
      email: 'regphi.zq@patients.example',
      password: 'Regphipasswordzq',
      dateOfBirth: '1961-07-23',
    };
  }, 180_000);

  afterAll(async () => {
    await world.close();
  });

  const json = (value: unknown) => ({ contentType: 'application/json', body: JSON.stringify(value) });

  async function seedThroughEndpoints(tenant: TenantFixture): Promise<void> {
    const admin = tenant.sessions.admin.accessToken;
    const slug = tenant.practice.slug;
    await send(world.baseUrl, {
      method: 'POST',
      path: `/v1/practices/${slug}/patients`,
      ...json({ email: registered.email, password: registered.password, givenName: registered.givenName, familyName: registered.familyName }),
    });
    await send(world.baseUrl, {
      method: 'POST',
      path: '/v1/users',
      token: admin,
      ...json({ role: 'patient', email: tenant.phi.email.replace('@', '2@'), password: tenant.phi.password, givenName: tenant.phi.givenName, familyName: tenant.phi.familyName }),
    });
    for (const password of [registered.password, `${registered.password}x`]) {
      await send(world.baseUrl, { method: 'POST', path: '/v1/auth/login', ...json({ practice: slug, email: registered.email, password }) });
    }
    await send(world.baseUrl, {
      method: 'POST',
      path: '/v1/auth/login',
      ...json({ practice: slug, email: tenant.phi.email, password: tenant.phi.password, totpCode: tenant.phi.dateOfBirth }),
    });
  }

  it('writes none of the PHI it handled to the logs', async () => {
    await seedThroughEndpoints(world.own);
    await seedThroughEndpoints(world.other);
    const phiValues = [...valuesOf(world.own.phi), ...valuesOf(world.other.phi), ...valuesOf(registered)];
    const phiQuery = new URLSearchParams({
      name: world.own.phi.familyName,
      email: world.own.phi.email,
      dob: world.own.phi.dateOfBirth,
    }).toString();
    const junk = {
      givenName: world.own.phi.givenName,
      email: world.own.phi.email,
      dateOfBirth: world.own.phi.dateOfBirth,
      note: `${world.own.phi.familyName} reports pain`,
      unexpected: { password: world.own.phi.password },
    };

    let calls = 0;
    for (const route of routes) {
      const sample = sampleFor(route);
      const role = ROLES.find((candidate) => allows(route, candidate)) ?? 'admin';
      const token = route.access === 'public' || sample.freshSession === true ? undefined : world.own.sessions[role].accessToken;
      await sendSample(world, route, { caller: world.own, target: world.own, token });
      await sendSample(world, route, { caller: world.own, target: world.other, token });
      const context = { test: world.test, tenant: world.own, caller: world.own };
      const path = fillPath(route.path, sample.params?.(context) ?? {});
      await send(world.baseUrl, { method: route.method.toUpperCase(), path: `${path}?${phiQuery}`, token, ...json(junk) });
      calls += 3;
    }
    expect(calls).toBeGreaterThanOrEqual(routes.length * 3);

    const logText = world.test.logs.text();
    // The capture really holds the access log of what was just done.
    expect(logText).toContain('"statusCode":201');
    expect(logText).toContain('/v1/auth/login');
    expect(findLeaks(logText, phiValues)).toEqual([]);
  }, 180_000);

  it('keeps PHI out of the audit trail too (entity references only)', async () => {
    const rows = await asOwner(world.test.database.url, (client) =>
      client.query<{ row: string }>(`SELECT row_to_json(a)::text AS row FROM audit_events a`),
    );
    expect(rows.rows.length).toBeGreaterThan(routes.length);
    const auditText = rows.rows.map((row) => row.row).join('\n');
    const phiValues = [...valuesOf(world.own.phi), ...valuesOf(world.other.phi), ...valuesOf(registered)];
    expect(findLeaks(auditText, phiValues)).toEqual([]);
    // The search works on this text: a known id is found.
    expect(findLeaks(auditText, [world.own.sessions.admin.userId])).toHaveLength(1);
  });

  it('would catch PHI written by a careless log call (the check above can fail)', () => {
    const before = world.test.logs.lines.length;
    // A key the redaction list does not know: only the search itself can catch it.
    world.test.api.services.logger.warn({ detail: `patient ${world.own.phi.familyName}` }, 'deliberate leak for the test');
    const after = world.test.logs.lines.slice(before).join('');
    expect(findLeaks(after, valuesOf(world.own.phi))).toEqual([world.own.phi.familyName]);
    // Known PHI keys are redacted even when a developer logs them.
    world.test.api.services.logger.warn({ email: world.own.phi.email, password: world.own.phi.password }, 'redacted');
    const redacted = world.test.logs.lines.slice(before + 1).join('');
    expect(findLeaks(redacted, [world.own.phi.email, world.own.phi.password])).toEqual([]);
  });
});

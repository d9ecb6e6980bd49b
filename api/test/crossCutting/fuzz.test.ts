import type { Role } from '@medspa/shared-types';
import { ROLES } from '@medspa/shared-types';
import type { RouteSpec } from '../../src/http/route.js';
import { Fuzzer, seededRandom } from './malformedInput.js';
import { ROUTE_SAMPLES, routeKey } from './routeSamples.js';
import { allows, buildWorld, fillPath, sampleFor, send } from './world.js';
import type { RawRequest, SampleWorld } from './world.js';

/** Change the seed to explore; a failure names its seed and index so it reproduces. */
const SEED = 0x6d656473;
const TOTAL_REQUESTS = 10_000;
const CONCURRENCY = 8;

type Kind =
  | 'json_shape'
  | 'wrong_types'
  | 'huge_strings'
  | 'deep_nesting'
  | 'invalid_json'
  | 'wrong_content_type'
  | 'bad_param'
  | 'odd_query';

interface FuzzCase {
  index: number;
  kind: Kind;
  route: string;
  request: RawRequest;
  /** Malformed by construction in a part the route reads: anything but 4xx is a bug. */
  mustBe4xx: boolean;
}

function wrongTypeValue(fuzzer: Fuzzer, value: unknown): unknown {
  for (;;) {
    const candidate = fuzzer.jsonValue(2);
    const sameKind =
      typeof candidate === typeof value &&
      Array.isArray(candidate) === Array.isArray(value) &&
      (candidate === null) === (value === null);
    if (!sameKind) return candidate;
  }
}

function firstAllowedRole(route: RouteSpec): Role {
  const role = ROLES.find((candidate) => allows(route, candidate));
  if (role === undefined) throw new Error(`${routeKey(route)} allows no role`);
  return role;
}

/** Builds every case up front from the seed, so concurrency cannot change what is sent. */
function buildCases(world: SampleWorld, routes: RouteSpec[]): FuzzCase[] {
  const fuzzer = new Fuzzer(seededRandom(SEED));
  const cases: FuzzCase[] = [];
  for (let index = 0; index < TOTAL_REQUESTS; index += 1) {
    const route = fuzzer.pick(routes);
    const sample = sampleFor(route);
    const context = { test: world.test, tenant: world.own, caller: world.own };
    const params = sample.params?.(context) ?? {};
    const sampleBody = sample.body?.(context) ?? {};
    const token = route.access === 'public' ? undefined : world.own.sessions[firstAllowedRole(route)].accessToken;
    const hasParams = route.path.includes(':');
    const kinds: Kind[] = [];
    if (route.acceptsBody) {
      kinds.push('json_shape', 'wrong_types', 'huge_strings', 'wrong_content_type', 'invalid_json', 'deep_nesting');
    }
    if (hasParams) kinds.push('bad_param', 'bad_param');
    if (route.schemas.query !== undefined) kinds.push('odd_query');
    const kind = fuzzer.pick(kinds);

    let path = fillPath(route.path, params);
    let contentType: string | undefined = 'application/json';
    let body: string | undefined = JSON.stringify(sampleBody);
    let mustBe4xx = true;
    switch (kind) {
      case 'json_shape': {
        // Top-level non-objects can never satisfy an object schema.
        const value = fuzzer.pick([
          () => fuzzer.nastyString(),
          () => fuzzer.int(1000),
          () => [fuzzer.jsonValue(), fuzzer.jsonValue()],
          () => null,
          () => fuzzer.chance(0.5),
        ])();
        body = JSON.stringify(value);
        break;
      }
      case 'wrong_types': {
        const keys = Object.keys(sampleBody);
        const mutated: Record<string, unknown> = { ...(sampleBody as Record<string, unknown>) };
        if (keys.length === 0) {
          mutated[`unexpected${fuzzer.int(5)}`] = fuzzer.jsonValue();
          mustBe4xx = false;
        } else {
          for (const key of keys) {
            if (key === keys[0] || fuzzer.chance(0.3)) mutated[key] = wrongTypeValue(fuzzer, mutated[key]);
          }
        }
        body = JSON.stringify(mutated);
        break;
      }
      case 'huge_strings': {
        const keys = Object.keys(sampleBody);
        const size = fuzzer.pick([20_000, 120_000, 400_000]);
        const huge: Record<string, unknown> = {};
        for (const key of keys.length === 0 ? ['k'] : keys) huge[key] = 'x'.repeat(size);
        body = JSON.stringify(huge);
        mustBe4xx = keys.length > 0;
        break;
      }
      case 'deep_nesting':
        body = fuzzer.deepNesting();
        break;
      case 'invalid_json':
        body = fuzzer.invalidJsonText();
        break;
      case 'wrong_content_type':
        contentType = fuzzer.pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=zzz',
          'application/xml',
          'application/json; charset=utf-16',
          undefined,
        ]);
        if (contentType === 'application/x-www-form-urlencoded') body = 'a=1&b=2';
        break;
      case 'bad_param': {
        const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? '');
        const target = fuzzer.pick(names);
        path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) =>
          name === target ? fuzzer.badPathSegment() : encodeURIComponent(params[name] ?? ''),
        );
        if (!route.acceptsBody) {
          body = undefined;
          contentType = undefined;
        }
        break;
      }
      case 'odd_query':
        // A random query can happen to be valid (e.g. `role=patient`), so only "no 5xx" applies.
        path = `${path}?${fuzzer.queryString()}`;
        if (!route.acceptsBody) {
          body = undefined;
          contentType = undefined;
        }
        mustBe4xx = false;
        break;
    }
    cases.push({
      index,
      kind,
      route: routeKey(route),
      request: { method: route.method.toUpperCase(), path, token, contentType, body },
      mustBe4xx,
    });
  }
  return cases;
}

describe('fuzzing every route that takes input', () => {
  let world: SampleWorld;

  beforeAll(async () => {
    world = await buildWorld();
  }, 180_000);

  afterAll(async () => {
    await world.close();
  });

  it(`answers ${TOTAL_REQUESTS} malformed requests with 4xx, never 5xx or a hang`, async () => {
    const routes = world.test.api.routes.filter((route) => {
      const sample = ROUTE_SAMPLES[routeKey(route)];
      if (sample === undefined || sample.freshSession === true) return false;
      return route.acceptsBody || route.path.includes(':') || route.schemas.query !== undefined;
    });
    expect(routes.length).toBeGreaterThan(5);
    // Every route that reads input must be a target (identity alone has this many).
    expect(routes.map(routeKey)).toEqual(expect.arrayContaining(['POST /v1/auth/login', 'PATCH /v1/users/:userId', 'GET /v1/users']));
    const cases = buildCases(world, routes);
    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    let next = 0;
    const started = Date.now();

    async function worker(): Promise<void> {
      for (let fuzzCase = cases[next++]; fuzzCase !== undefined; fuzzCase = cases[next++]) {
        let response: { status: number; text: string };
        try {
          response = await send(world.baseUrl, fuzzCase.request);
        } catch (error) {
          failures.push(`#${fuzzCase.index} ${fuzzCase.kind} ${fuzzCase.route}: ${(error as Error).message}`);
          continue;
        }
        const { status, text } = response;
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        const bad = status >= 500 || (fuzzCase.mustBe4xx && (status < 400 || status > 499));
        if (bad) {
          failures.push(`#${fuzzCase.index} ${fuzzCase.kind} ${fuzzCase.route} -> ${status} ${text.slice(0, 100)}`);
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));

    const seconds = (Date.now() - started) / 1000;
    const statuses = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}:${count}`);
    process.stdout.write(
      `fuzz seed=${SEED} requests=${cases.length} routes=${routes.length} ${seconds.toFixed(1)}s statuses ${statuses.join(' ')}\n`,
    );
    expect(failures.slice(0, 30)).toEqual([]);
    expect([...byStatus.values()].reduce((sum, count) => sum + count, 0)).toBe(TOTAL_REQUESTS);
    // No request may have been mistaken for an unhandled error in the server's own log.
    expect(world.test.logs.text()).not.toContain('unhandled error');
  }, 300_000);
});

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import type { RouteSpec } from '../../src/http/route.js';
import { createUser, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice, TestUser } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { ROUTE_SAMPLES, routeKey } from './routeSamples.js';
import type { RouteSample } from './routeSamples.js';

/**
 * Unique strings that stand for PHI in one tenant. They go into requests (registration,
 * user creation, sample bodies); the PHI-in-logs test asserts none reaches the logs.
 */
export interface PhiStrings {
  givenName: string;
  familyName: string;
  email: string;
  password: string;
  dateOfBirth: string;
}

/** One seeded practice with a signed-in user per role and the sample resources. */
export interface TenantFixture {
  practice: SeededPractice;
  sessions: Record<Role, LoggedIn>;
  /** A patient of this practice (not signed in). */
  patient: TestUser;
  /** Ids of sample resources, written by `seed` hooks in routeSamples.ts. */
  ids: Record<string, string>;
  phi: PhiStrings;
}

export interface SampleWorld {
  test: TestApi;
  /** The caller's tenant is `own`; `other` holds resources the caller must never reach. */
  own: TenantFixture;
  other: TenantFixture;
  baseUrl: string;
  close: () => Promise<void>;
}

/** A letter-only tag: PHI strings must survive JSON escaping unchanged in log text. */
function tag(): string {
  return Array.from(randomBytes(8), (byte) => String.fromCharCode(97 + (byte % 26))).join('');
}

function phiStrings(): PhiStrings {
  return {
    givenName: `Phigiven${tag()}`,
    familyName: `Phifamily${tag()}`,
    email: `phimail.${tag()}@patients.example`,
    password: `Phipassword${tag()}`,
    dateOfBirth: `19${String(50 + (randomBytes(1)[0] ?? 0) % 40)}-0${String(1 + ((randomBytes(1)[0] ?? 0) % 9))}-1${String((randomBytes(1)[0] ?? 0) % 9)}`,
  };
}

async function seedTenant(test: TestApi): Promise<TenantFixture> {
  const practice = await seedPractice(test);
  const sessions = {} as Record<Role, LoggedIn>;
  for (const role of ROLES) {
    sessions[role] = await loginAs(test, practice.slug, role);
  }
  const phi = phiStrings();
  const patient = await createUser(test, practice.id, 'patient', {
    givenName: phi.givenName,
    familyName: phi.familyName,
    email: phi.email,
    password: phi.password,
  });
  return { practice, sessions, patient, ids: {}, phi };
}

/** Routes that may be called with a valid token of `role`. */
export function allows(route: RouteSpec, role: Role): boolean {
  return route.access === 'public' || route.access === 'authenticated' || route.access.includes(role);
}

/** The sample of a mounted route; throws (failing the test) when none is registered. */
export function sampleFor(route: RouteSpec): RouteSample {
  const sample = ROUTE_SAMPLES[routeKey(route)];
  if (sample === undefined) {
    throw new Error(`No entry for "${routeKey(route)}" in api/test/crossCutting/routeSamples.ts`);
  }
  return sample;
}

/**
 * Starts an API with two tenants, runs every registered seed hook for both, and listens on
 * an ephemeral port (plain HTTP keeps thousands of requests cheap).
 */
export async function buildWorld(overrides: Record<string, string> = {}): Promise<SampleWorld> {
  const test = await startTestApi({
    PASSWORD_HASH_PROFILE: 'test_minimum',
    // The suites run for a while; tokens must outlive them.
    ACCESS_TOKEN_TTL_SECONDS: '900',
    ...overrides,
  });
  const own = await seedTenant(test);
  const other = await seedTenant(test);
  for (const route of test.api.routes) {
    const seed = ROUTE_SAMPLES[routeKey(route)]?.seed;
    if (seed !== undefined) {
      await seed({ test, tenant: own });
      await seed({ test, tenant: other });
    }
  }
  const server = http.createServer(test.api.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    test,
    own,
    other,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      await test.close();
    },
  };
}

/** Substitutes `:name` path parameters (URL-encoded). */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) {
      throw new Error(`sample for ${path} lacks path parameter "${name}"`);
    }
    return encodeURIComponent(value);
  });
}

export interface RawRequest {
  method: string;
  /** Path with query string, sent exactly as given. */
  path: string;
  token?: string | undefined;
  contentType?: string | undefined;
  body?: string | Buffer | undefined;
}

export interface RawResponse {
  status: number;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const REQUEST_TIMEOUT_MS = 20_000;

/** Sends one request over plain HTTP with full control over path, headers and body bytes. */
export function send(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | number> = {};
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  if (body !== undefined) headers['content-length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`request timed out: ${request.method} ${request.path.slice(0, 80)}`));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends a route's sample request as `session` against `tenant`'s resources. */
export async function sendSample(
  world: SampleWorld,
  route: RouteSpec,
  options: { caller: TenantFixture; target: TenantFixture; token?: string | undefined },
): Promise<RawResponse> {
  const sample = sampleFor(route);
  const context = { test: world.test, tenant: options.target, caller: options.caller };
  const path = fillPath(route.path, sample.params?.(context) ?? {});
  const query = sample.query?.(context);
  const search = query === undefined ? '' : `?${new URLSearchParams(query).toString()}`;
  const body = sample.body?.(context);
  return send(world.baseUrl, {
    method: route.method.toUpperCase(),
    path: `${path}${search}`,
    token: options.token,
    contentType: body === undefined ? undefined : 'application/json',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

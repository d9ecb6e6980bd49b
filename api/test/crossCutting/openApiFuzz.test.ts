import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import { loginAs } from '../fixtures/identity.js';
import { Fuzzer, seededRandom } from './malformedInput.js';
import { ROUTE_SAMPLES } from './routeSamples.js';
import type { RouteSample } from './routeSamples.js';
import { buildWorld } from './world.js';
import type { SampleWorld } from './world.js';

/**
 * Black-box fuzzing driven by the published contract: every operation GET /openapi.json
 * lists gets malformed JSON, wrong types, huge strings, invalid characters, broken
 * Content-Encoding, wrong content types, odd path parameters and odd query strings, sent
 * with a valid token of a role the operation allows. Nothing may answer 5xx (or hang).
 * Seeded (change SEED to explore; a failure prints its case) and bounded in size.
 */
const SEED = 0x0a91f022;
const CONCURRENCY = 8;
/** At most this many body properties get per-property mutations per operation. */
const MAX_PROPERTIES = 6;

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  minLength?: number;
  default?: unknown;
}

interface Operation {
  method: string;
  /** OpenAPI path with {param} placeholders. */
  path: string;
  security?: unknown[];
  'x-roles'?: Role[];
  parameters?: { name: string; in: 'path' | 'query'; schema?: JsonSchema }[];
  requestBody?: { content?: { 'application/json'?: { schema?: JsonSchema } } };
}

interface FuzzRequest {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A plausible value for a JSON Schema, so a mutation changes one thing at a time. */
function exampleOf(schema: JsonSchema | undefined, depth = 0): unknown {
  if (schema === undefined || depth > 4) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (choice !== undefined) return exampleOf(choice, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type ?? '') {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = exampleOf(schema.properties?.[name], depth + 1);
      return out;
    }
    case 'array':
      return [exampleOf(schema.items, depth + 1)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      switch (schema.format ?? '') {
        case 'uuid':
          return randomUUID();
        case 'date':
          return '2026-12-01';
        case 'date-time':
          return '2026-12-01T15:00:00Z';
        case 'email':
          return 'fuzz@example.test';
        default:
          return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
      }
    default:
      return null;
  }
}

function wrongTypeFor(value: unknown, fuzzer: Fuzzer): unknown {
  const candidates: unknown[] = [12345, -1.5, true, null, [], {}, 'text', [1, 'a'], { nested: { deeper: 1 } }, 1e308];
  for (;;) {
    const candidate = fuzzer.pick(candidates);
    if (typeof candidate !== typeof value || Array.isArray(candidate) !== Array.isArray(value) || (candidate === null) !== (value === null)) {
      return candidate;
    }
  }
}

/** Every UTF-8 byte as %XX (encodeURIComponent throws on lone surrogates). */
const percentEncoded = (text: string): string => Array.from(Buffer.from(text, 'utf8'), (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

/** Every malformed request for one operation. */
function casesFor(operation: Operation, world: SampleWorld, fuzzer: Fuzzer, token: string | undefined): FuzzRequest[] {
  const expressKey = `${operation.method.toUpperCase()} ${operation.path.replace(/\{([^}]+)\}/g, ':$1')}`;
  const sample: RouteSample | undefined = ROUTE_SAMPLES[expressKey];
  const context = { test: world.test, tenant: world.own, caller: world.own };
  const sampleParams = sample?.params?.(context) ?? {};
  const pathParams = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const queryParams = (operation.parameters ?? []).filter((p) => p.in === 'query');
  const fill = (override: Record<string, string> = {}): string =>
    operation.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
      override[name] ?? encodeURIComponent(sampleParams[name] ?? randomUUID()),
    );
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const baseBody = (sample?.body?.(context) ?? exampleOf(bodySchema) ?? {}) as unknown;
  const baseObject: Record<string, unknown> =
    typeof baseBody === 'object' && baseBody !== null && !Array.isArray(baseBody) ? (baseBody as Record<string, unknown>) : {};
  const properties = [...new Set([...Object.keys(bodySchema?.properties ?? {}), ...Object.keys(baseObject)])].slice(0, MAX_PROPERTIES);
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const method = operation.method.toUpperCase();
  const cases: FuzzRequest[] = [];
  const add = (label: string, body: Buffer | undefined, headers: Record<string, string> = {}, path = fill()): void => {
    const all: Record<string, string> = { ...auth, ...headers };
    if (body !== undefined && all['content-type'] === undefined) all['content-type'] = 'application/json';
    cases.push({ label, method, path, headers: all, body });
  };
  const withProperty = (name: string, value: unknown): Buffer => json({ ...baseObject, [name]: value });

  // Content-Encoding applies to every JSON route, body or not (body-parser reads any body).
  const garbage = Buffer.from('this is not compressed at all {"a":1}');
  const valid = gzipSync(json({ ...baseObject, [`unexpected${fuzzer.int(9)}`]: wrongTypeFor(1, fuzzer) }));
  add('gzip garbage', garbage, { 'content-encoding': 'gzip' });
  add('truncated gzip', valid.subarray(0, Math.max(4, valid.length - 7)), { 'content-encoding': 'gzip' });
  add('br garbage', garbage, { 'content-encoding': 'br' });
  add('deflate garbage', garbage, { 'content-encoding': 'deflate' });
  add('unknown encoding', json(baseObject), { 'content-encoding': fuzzer.pick(['compress', 'x-fuzz', 'gzip, gzip', 'identity;q=0']) });
  add('valid gzip, invalid body', valid, { 'content-encoding': 'gzip' });
  add('gzip of malformed JSON', gzipSync(Buffer.from('{"a":')), { 'content-encoding': 'gzip' });
  add('br of a huge body', brotliCompressSync(Buffer.from(JSON.stringify({ k: 'x'.repeat(2_000_000) }))), { 'content-encoding': 'br' });
  add('deflate of NUL text', deflateSync(json({ ...baseObject, [properties[0] ?? 'k']: 'a\u0000b' })), { 'content-encoding': 'deflate' });

  if (bodySchema !== undefined) {
    for (const text of ['{', '{"a":', '[1,2', 'nul', '{"a":1,}', "{'a':1}", '\u0000', '{"a":"\\ud800"}', '']) {
      add(`malformed JSON ${JSON.stringify(text)}`, Buffer.from(text, 'utf8'));
    }
    for (const shape of [[], 'text', 42, null, true, [baseObject]]) add(`top-level ${JSON.stringify(shape)}`, json(shape));
    add('deep nesting', Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`));
    add('unknown property', json({ ...baseObject, [`x${fuzzer.int(100)}`]: 1 }));
    add('NUL in a key', json({ ...baseObject, 'a\u0000b': 'c' }));
    for (const name of properties) {
      add(`wrong type ${name}`, withProperty(name, wrongTypeFor(baseObject[name], fuzzer)));
      add(`NUL in ${name}`, withProperty(name, `a\u0000b${fuzzer.nastyString()}`));
      add(`lone surrogate in ${name}`, withProperty(name, 'a\uD800b'));
      add(`control character in ${name}`, withProperty(name, 'a\u0007\u001bb'));
      add(`huge ${name}`, withProperty(name, 'x'.repeat(fuzzer.pick([20_000, 200_000]))));
      add(`over the body limit ${name}`, withProperty(name, 'x'.repeat(300_000)));
      add(`nasty ${name}`, withProperty(name, fuzzer.nastyString()));
      add(`malformed time in ${name}`, withProperty(name, fuzzer.pick(['25:61', '24:01', '9:00', '2026-02-30T25:61:00Z', '2026-13-01', '99999-01-01', 'T', '00:00:00.000000001'])));
      add(`huge number ${name}`, withProperty(name, fuzzer.pick([1e308, -1e308, 2 ** 63, -(2 ** 31) - 1, 0.5])));
      // Nested arrays of objects (availability rules, items) get their elements broken too.
      const value = baseObject[name];
      if (Array.isArray(value) && typeof value[0] === 'object' && value[0] !== null) {
        const element = value[0] as Record<string, unknown>;
        for (const key of Object.keys(element).slice(0, MAX_PROPERTIES)) {
          add(`${name}[0].${key} malformed`, withProperty(name, [{ ...element, [key]: fuzzer.pick(['25:00', '12:60', 'noon', '\u0000', '', '24:00', -1, null, 'x'.repeat(5000)]) }]));
          add(`${name}[0].${key} wrong type`, withProperty(name, [{ ...element, [key]: wrongTypeFor(element[key], fuzzer) }]));
        }
      }
    }
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz', 'application/xml', 'application/json; charset=utf-16', 'application/json; charset=koi8-r']) {
      add(`content type ${contentType}`, contentType.startsWith('application/x-www') ? Buffer.from('a=1&b=%00') : json(baseObject), { 'content-type': contentType });
    }
    add('no content type', json(baseObject), { 'content-type': '' });
    add('no body', undefined);
  }

  for (const name of pathParams) {
    for (const odd of ['not-a-uuid', 'x'.repeat(4000), '..%2F..%2Fetc%2Fpasswd', 'a%2Fb', '%00', 'a%00b', '%E0%A4%A', '%F0%9F%98%80', '-1', '%20', `${randomUUID()}%2F${randomUUID()}`, percentEncoded(fuzzer.nastyString())]) {
      add(`path ${name}=${odd.slice(0, 24)}`, bodySchema === undefined ? undefined : json(baseObject), {}, fill({ [name]: odd }));
    }
  }

  const queryNames = queryParams.map((p) => p.name);
  for (const name of queryNames.length > 0 ? queryNames : ['unexpected']) {
    for (const odd of ['%00', 'a%00b', 'x'.repeat(8000), '%E0%A4%A', '%uD800', '-1', '1e309', '2026-02-30', 'a&a=b', '', '%5B%5D']) {
      add(`query ${name}=${odd.slice(0, 24)}`, undefined, {}, `${fill()}?${name}=${odd}`);
    }
    add(`query ${name}[] array`, undefined, {}, `${fill()}?${name}=1&${name}=2`);
    add(`query ${name}[k] object`, undefined, {}, `${fill()}?${name}[k]=1`);
  }
  return cases;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(baseUrl: string, request: FuzzRequest): Promise<number> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== '') headers[name] = value;
  if (request.body !== undefined) headers['content-length'] = request.body.length;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent, timeout: 20_000 },
      (res) => {
        res.resume();
        res.on('end', () => { resolve(res.statusCode ?? 0); });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(request.body);
  });
}

describe('fuzzing every operation in the OpenAPI document', () => {
  let world: SampleWorld;

  beforeAll(async () => {
    // TURN configured, so /v1/turn-credentials answers on its merits rather than its 503
    // "not configured" (a deliberate, documented state, not a reaction to input).
    world = await buildWorld({ TURN_SECRET: randomBytes(32).toString('hex'), TURN_URIS: 'turn:127.0.0.1:3478?transport=udp' });
  }, 180_000);

  afterAll(async () => {
    await world.close();
  });

  it('answers malformed input on every operation with 4xx, never 5xx', async () => {
    const documentResponse = await fetch(`${world.baseUrl}/openapi.json`);
    expect(documentResponse.status).toBe(200);
    const document = (await documentResponse.json()) as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> };
    const operations: Operation[] = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ ...operation, method, path })),
    );
    expect(operations.length).toBeGreaterThan(20);

    const fuzzer = new Fuzzer(seededRandom(SEED));
    const cases: FuzzRequest[] = [];
    for (const operation of operations) {
      const expressKey = `${operation.method.toUpperCase()} ${operation.path.replace(/\{([^}]+)\}/g, ':$1')}`;
      let token: string | undefined;
      if (operation.security === undefined || operation.security.length > 0) {
        const role: Role = operation['x-roles']?.[0] ?? ROLES.find((candidate) => candidate === 'admin') ?? 'admin';
        // Sign-out and friends end the session they are called with: give them their own.
        token = ROUTE_SAMPLES[expressKey]?.freshSession === true
          ? (await loginAs(world.test, world.own.practice.slug, role)).accessToken
          : world.own.sessions[role].accessToken;
      }
      cases.push(...casesFor(operation, world, fuzzer, token));
    }

    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    let next = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      for (let request = cases[next++]; request !== undefined; request = cases[next++]) {
        try {
          const status = await send(world.baseUrl, request);
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          if (status >= 500 || status === 0) failures.push(`${request.method} ${request.path.slice(0, 120)} [${request.label}] -> ${status}`);
        } catch (error) {
          failures.push(`${request.method} ${request.path.slice(0, 120)} [${request.label}] -> ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;
    const summary = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`).join(', ');
    process.stdout.write(`openapi fuzz: ${operations.length} operations, ${cases.length} requests in ${seconds.toFixed(1)} s (${summary})\n`);
    expect(failures).toEqual([]);
    // The server logged no unhandled error for any of them.
    expect(world.test.logs.text()).not.toContain('"unhandled error"');
  }, 240_000);
});

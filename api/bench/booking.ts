/**
 * Booking throughput and latency at 200 concurrent requests: the real API (every
 * middleware, ES256 token + session check, zod, TypeORM transaction, audit) against a bare
 * express + pg handler that runs the very same booking SQL, in the same process and run.
 *
 *   npx tsc -b && npm run bench:booking
 *
 * Env: BENCH_DATABASE_URL (owner URL of a server to create a scratch database on; default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_REQUESTS per round (default 2000),
 * BENCH_CONCURRENCY (default 200), BENCH_ROUNDS (default 5).
 *
 * Every request books a distinct (provider, slot) for a distinct patient across several
 * practices and providers, so all should be 201: the bench measures the booking path, not
 * conflicts (the 409 path is proven by api/test/scheduling/concurrentBooking.test.ts).
 */
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import express from 'express';
import type { Request, Response } from 'express';
import { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import { initApp, shutdownApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { APP_DB_ROLE, TENANT_SETTING } from '../src/db/appRole.js';
import { AppError } from '../src/errors.js';
import type { RequestContext } from '../src/http/requestContext.js';
import { createLogger } from '../src/logger.js';
import { issueAccessToken } from '../src/modules/identity/accessTokens.js';
import { useSession } from '../src/modules/identity/sessions.js';
import { bookAppointmentIn } from '../src/modules/scheduling/appointments.js';
import type { BookingInput } from '../src/modules/scheduling/appointments.js';
import { generateDataKeks, generateSigningJwk } from '../test/testApi.js';
import { asOwner, createTestDatabase } from '../test/testDatabase.js';

const PRACTICES = 4;
const PROVIDERS_PER_PRACTICE = 5;
const SLOT_MINUTES = 10;
const POOL_SIZE = 10;

const envInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

interface Practice {
  id: string;
  frontDeskId: string;
  sessionId: string;
  accessToken: string;
  typeId: string;
  providerIds: string[];
}

interface Fixture {
  practices: Practice[];
  /** Patients per practice, consumed one per request. */
  patients: Map<string, string[]>;
}

async function seed(url: string, patientsPerPractice: number): Promise<Omit<Fixture, 'practices'> & { practices: Omit<Practice, 'accessToken'>[] }> {
  return asOwner(url, async (client) => {
    const practices: Omit<Practice, 'accessToken'>[] = [];
    const patients = new Map<string, string[]>();
    for (let p = 0; p < PRACTICES; p += 1) {
      const practice = await client.query<{ id: string }>(`INSERT INTO practices (slug, name) VALUES ($1, $1) RETURNING id`, [`bench-${p}`]);
      const practiceId = practice.rows[0]?.id ?? '';
      const frontDesk = await client.query<{ id: string }>(
        `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
         VALUES ($1, 'front_desk', 'desk@bench.test', '!', 'Desk', 'Bench') RETURNING id`,
        [practiceId],
      );
      const frontDeskId = frontDesk.rows[0]?.id ?? '';
      const session = await client.query<{ id: string }>(
        `INSERT INTO sessions (practice_id, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour') RETURNING id`,
        [practiceId, frontDeskId],
      );
      const providers = await client.query<{ id: string }>(
        `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
         SELECT $1, 'injector', 'injector' || n || '@bench.test', '!', 'Injector', 'N' || n FROM generate_series(1, $2::int) n
         RETURNING id`,
        [practiceId, PROVIDERS_PER_PRACTICE],
      );
      const providerIds = providers.rows.map((row) => row.id);
      for (const providerId of providerIds) {
        await client.query(`INSERT INTO provider_profiles (practice_id, user_id, credential, time_zone) VALUES ($1, $2, 'NP', 'America/New_York')`, [
          practiceId,
          providerId,
        ]);
        await client.query(
          `INSERT INTO provider_licenses (practice_id, provider_id, state, license_number, valid_from, expires_on)
           VALUES ($1, $2, 'NY', $3, '2026-01-01', '2035-12-31')`,
          [practiceId, providerId, `NY-${providerId.slice(0, 8)}`],
        );
        await client.query(
          `INSERT INTO availability_rules (practice_id, provider_id, iso_weekday, start_time, end_time, time_zone)
           SELECT $1, $2, d, '00:00', '24:00', 'America/New_York' FROM generate_series(1, 7) d`,
          [practiceId, providerId],
        );
      }
      const type = await client.query<{ id: string }>(
        `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes) VALUES ($1, 'Follow-up', 'follow_up', $2) RETURNING id`,
        [practiceId, SLOT_MINUTES],
      );
      const bulk = await client.query<{ id: string }>(
        `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
         SELECT $1, 'patient', 'p' || n || '@bench.test', '!', 'Bench', 'Patient' || n FROM generate_series(1, $2::int) n RETURNING id`,
        [practiceId, patientsPerPractice],
      );
      patients.set(practiceId, bulk.rows.map((row) => row.id));
      practices.push({ id: practiceId, frontDeskId, sessionId: session.rows[0]?.id ?? '', typeId: type.rows[0]?.id ?? '', providerIds });
    }
    return { practices, patients };
  });
}

/** The i-th booking of a round: practices and providers round-robin, then 10-minute slots. */
function bookingFor(fixture: Fixture, round: number, index: number): { practice: Practice; input: BookingInput } {
  const practice = fixture.practices[index % PRACTICES];
  if (practice === undefined) throw new Error('no practice');
  const perPractice = Math.floor(index / PRACTICES);
  const providerId = practice.providerIds[perPractice % PROVIDERS_PER_PRACTICE] ?? '';
  const slot = Math.floor(perPractice / PROVIDERS_PER_PRACTICE);
  const patientId = fixture.patients.get(practice.id)?.pop();
  if (patientId === undefined) throw new Error('out of patients');
  // Each round books its own day range, far in the future, so rounds never collide.
  const base = Date.UTC(2030, 0, 1) + round * 30 * 86_400_000;
  return {
    practice,
    input: {
      appointmentTypeId: practice.typeId,
      providerId,
      patientId,
      startsAt: new Date(base + slot * SLOT_MINUTES * 60_000).toISOString(),
      patientState: 'NY',
      patientTimeZone: 'America/New_York',
    },
  };
}

/**
 * The baseline: express with only a JSON body parser, a pg pool of the same size running
 * as the same restricted role, and per request BEGIN / tenant setting / the booking
 * service's own SQL / COMMIT, preceded by the session check the API's authenticator runs
 * (its own transaction, same function). Both functions are handed a minimal object with
 * the `query` method they use, so the statements are exactly the API's — but no TypeORM,
 * no token verification, no validation, no middleware, no logging.
 */
function bareServer(databaseUrl: string): { server: Server; close: () => Promise<void> } {
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE, options: `-c role=${APP_DB_ROLE}` });
  const app = express();
  app.use(express.json());
  app.post('/bare/appointments', async (req: Request, res: Response) => {
    const body = req.body as BookingInput & { practiceId: string; actorId: string; sessionId: string };
    const client = await pool.connect();
    const context: RequestContext = {
      requestId: 'bench',
      ip: req.ip ?? null,
      userAgent: null,
      auth: { userId: body.actorId, practiceId: body.practiceId, role: 'front_desk', sessionId: body.sessionId },
    };
    const manager = {
      query: async (sql: string, params?: unknown[]): Promise<unknown> => {
        const result = await client.query<Record<string, unknown>>(sql, params);
        // TypeORM's postgres driver returns [rows, rowCount] for UPDATE/DELETE.
        return result.command === 'UPDATE' || result.command === 'DELETE' ? [result.rows, result.rowCount] : result.rows;
      },
    } as unknown as EntityManager;
    try {
      // The API's authenticator checks the session in a transaction of its own: same SQL here.
      await client.query('BEGIN');
      await client.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, body.practiceId]);
      const session = await useSession(manager, context, {
        practiceId: body.practiceId,
        sessionId: body.sessionId,
        userId: body.actorId,
        idleTimeoutSeconds: 900,
      });
      await client.query('COMMIT');
      if (!session.ok) throw new AppError(401, session.refusal, 'session refused');
      await client.query('BEGIN');
      await client.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, body.practiceId]);
      const appointment = await bookAppointmentIn(manager, context, body);
      await client.query('COMMIT');
      res.status(201).json(appointment);
    } catch (error) {
      await client.query('ROLLBACK');
      if (error instanceof AppError) {
        res.status(error.status).json(error.toBody());
      } else {
        res.status(500).json({ code: 'internal_error' });
      }
    } finally {
      client.release();
    }
  });
  const server = app.listen(0, '127.0.0.1');
  return {
    server,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      await pool.end();
    },
  };
}

interface RoundResult {
  requests: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  statuses: Map<number, number>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1000 });

function post(port: number, path: string, body: unknown, authorization?: string): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(authorization === undefined ? {} : { authorization }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Fires `count` requests keeping `concurrency` in flight; measures each one. */
async function runRound(count: number, concurrency: number, send: (index: number) => Promise<number>): Promise<RoundResult> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) {
      const t0 = performance.now();
      const status = await send(index);
      latencies.push(performance.now() - t0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
  return { requests: count, seconds, throughput: count / seconds, p50: pick(0.5), p99: pick(0.99), statuses };
}

const format = (label: string, result: RoundResult): string =>
  `${label.padEnd(26)} ${result.throughput.toFixed(0).padStart(6)} req/s   p50 ${result.p50.toFixed(1).padStart(7)} ms   p99 ${result.p99
    .toFixed(1)
    .padStart(7)} ms   statuses ${JSON.stringify(Object.fromEntries(result.statuses))}`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

async function main(): Promise<void> {
  const requests = envInt('BENCH_REQUESTS', 2000);
  const concurrency = envInt('BENCH_CONCURRENCY', 200);
  const rounds = envInt('BENCH_ROUNDS', 5);
  process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = await createTestDatabase();
  // Warm-up plus measured rounds, for both servers.
  const totalRounds = (rounds + 1) * 2;
  const seeded = await seed(database.url, Math.ceil((requests * totalRounds) / PRACTICES) + 10);

  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '100000000',
    DATABASE_URL: database.runtimeUrl,
    AUTH_SIGNING_JWK: await generateSigningJwk(),
    ...generateDataKeks(),
  });
  // Production logs one line per request at info; write them nowhere, but pay for them.
  const sink = new Writable({ write: (_chunk, _encoding, callback) => { callback(); } });
  const api = await initApp(config, { databaseUrl: database.runtimeUrl, logger: createLogger({ level: 'info', destination: sink }) });
  const apiServer = api.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => apiServer.once('listening', resolve));
  const bare = bareServer(database.url);
  await new Promise<void>((resolve) => bare.server.once('listening', resolve));
  const apiPort = (apiServer.address() as AddressInfo).port;
  const barePort = (bare.server.address() as AddressInfo).port;

  const practices: Practice[] = [];
  for (const practice of seeded.practices) {
    const accessToken = await issueAccessToken(api.services.tokens, config.ACCESS_TOKEN_TTL_SECONDS, {
      userId: practice.frontDeskId,
      practiceId: practice.id,
      role: 'front_desk',
      sessionId: practice.sessionId,
    });
    practices.push({ ...practice, accessToken });
  }
  const fixture: Fixture = { practices, patients: seeded.patients };

  let round = 0;
  const apiRound = (): Promise<RoundResult> => {
    const thisRound = round++;
    return runRound(requests, concurrency, (index) => {
      const { practice, input } = bookingFor(fixture, thisRound, index);
      return post(apiPort, '/v1/appointments', input, `Bearer ${practice.accessToken}`);
    });
  };
  const bareRound = (): Promise<RoundResult> => {
    const thisRound = round++;
    return runRound(requests, concurrency, (index) => {
      const { practice, input } = bookingFor(fixture, thisRound, index);
      return post(barePort, '/bare/appointments', { ...input, practiceId: practice.id, actorId: practice.frontDeskId, sessionId: practice.sessionId });
    });
  };

  console.log(`booking bench: ${requests} bookings per round, ${concurrency} concurrent, ${PRACTICES} practices x ${PROVIDERS_PER_PRACTICE} providers, pg pool ${POOL_SIZE} each`);
  console.log(format('warm-up api', await apiRound()));
  console.log(format('warm-up bare express+pg', await bareRound()));
  const apiResults: RoundResult[] = [];
  const bareResults: RoundResult[] = [];
  for (let r = 0; r < rounds; r += 1) {
    // Alternate so drift (autovacuum, neighbours on a shared machine) hits both alike.
    const bareResult = await bareRound();
    console.log(format(`bare express+pg #${r + 1}`, bareResult));
    bareResults.push(bareResult);
    const apiResult = await apiRound();
    console.log(format(`api #${r + 1}`, apiResult));
    apiResults.push(apiResult);
  }
  const apiThroughput = median(apiResults.map((result) => result.throughput));
  const bareThroughput = median(bareResults.map((result) => result.throughput));
  console.log(
    `median throughput: api ${apiThroughput.toFixed(0)} req/s, bare ${bareThroughput.toFixed(0)} req/s, ratio ${(apiThroughput / bareThroughput).toFixed(2)}x (goal >= 0.70x)`,
  );
  console.log(
    `median p99: api ${median(apiResults.map((result) => result.p99)).toFixed(1)} ms, bare ${median(bareResults.map((result) => result.p99)).toFixed(1)} ms`,
  );
  const failures = [...apiResults, ...bareResults].some((result) => result.statuses.size !== 1 || !result.statuses.has(201));
  await new Promise<void>((resolve) => apiServer.close(() => { resolve(); }));
  await bare.close();
  await shutdownApp(api);
  agent.destroy();
  await database.drop();
  if (failures) {
    console.error('some bookings did not return 201: figures are not comparable');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

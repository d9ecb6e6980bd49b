/**
 * Login cost and user-enumeration timing with the production argon2id profile (OWASP:
 * m = 19 MiB, t = 2, p = 1): how long a sign-in takes, and whether an unknown email or
 * practice answers measurably faster than a wrong password for a real account.
 *
 *   npx tsc -b && npm run bench:login
 *
 * Env: BENCH_DATABASE_URL (owner URL of a server to create a scratch database on; default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_LOGINS per case (default 40).
 * Requests run one at a time so each figure is one login's latency, not queueing.
 */
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { initApp, shutdownApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { PasswordHasher } from '../src/modules/identity/passwords.js';
import { generateDataKeks, generateSigningJwk } from '../test/testApi.js';
import { asOwner, createTestDatabase } from '../test/testDatabase.js';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 40);
process.env.TEST_DATABASE_URL ??= process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.runtimeUrl,
    AUTH_SIGNING_JWK: await generateSigningJwk(),
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOGIN_MAX_FAILURES: '1000000',
    ...generateDataKeks(),
  });
  const quiet = new Writable({ write: (_chunk, _encoding, callback) => { callback(); } });
  const api = await initApp(config, { databaseUrl: database.runtimeUrl, logger: createLogger({ level: 'warn', destination: quiet }) });
  try {
    const password = 'bench password 123';
    const passwordHash = await new PasswordHasher('owasp').hash(password);
    await asOwner(database.url, async (client) => {
      const practice = await client.query<{ id: string }>(`INSERT INTO practices (slug, name) VALUES ('bench-spa', 'Bench') RETURNING id`);
      await client.query(
        `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
         VALUES ($1, 'patient', 'patient@bench.example', $2, 'B', 'P')`,
        [practice.rows[0]?.id, passwordHash],
      );
    });
    const cases: [string, Record<string, string>, number][] = [
      ['success (patient)', { practice: 'bench-spa', email: 'patient@bench.example', password }, 200],
      ['wrong password', { practice: 'bench-spa', email: 'patient@bench.example', password: 'wrong password 1' }, 401],
      ['unknown email', { practice: 'bench-spa', email: 'nobody@bench.example', password }, 401],
      ['unknown practice', { practice: 'no-such-spa', email: 'patient@bench.example', password }, 401],
    ];
    console.log(`login latency, argon2id OWASP profile, ${LOGINS} sequential logins per case, interleaved (ms)`);
    const times = cases.map((): number[] => []);
    // Round-robin over the cases so load drift on a shared machine hits them all alike.
    for (let round = 0; round <= LOGINS; round += 1) {
      for (const [index, [label, body, status]] of cases.entries()) {
        const started = performance.now();
        const response = await request(api.app).post('/v1/auth/login').send(body);
        const elapsed = performance.now() - started;
        if (response.status !== status) throw new Error(`${label}: expected ${status}, got ${response.status}`);
        // Round 0 warms up (first dummy hash, JIT, pool) and is not counted.
        if (round > 0) times[index]?.push(elapsed);
      }
    }
    for (const [index, [label]] of cases.entries()) {
      const sorted = (times[index] ?? []).sort((a, b) => a - b);
      console.log(
        `${label.padEnd(20)} median ${percentile(sorted, 0.5).toFixed(1).padStart(7)}  p95 ${percentile(sorted, 0.95).toFixed(1).padStart(7)}`,
      );
    }
  } finally {
    await shutdownApp(api);
    await database.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

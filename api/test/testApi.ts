import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair } from 'jose';
import type { ApiApp } from '../src/app.js';
import { initApp, shutdownApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from './testDatabase.js';
import type { TestDatabase } from './testDatabase.js';

/** Collects every log line the API writes, so tests can prove nothing sensitive is in them. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    callback();
  }

  text(): string {
    return this.lines.join('');
  }
}

export interface TestApi {
  api: ApiApp;
  config: Config;
  database: TestDatabase;
  logs: LogCapture;
  close: () => Promise<void>;
}

/** A signing key made for this test run: tests never share or ship a secret. */
export async function generateSigningJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, kid: `test-${Date.now().toString(36)}`, alg: 'ES256' });
}

/** Clinical-data key-encryption keys made for this test run (DATA_KEKS, DATA_ACTIVE_KEK_ID). */
export function generateDataKeks(kid = `test-kek-${randomBytes(4).toString('hex')}`): Record<string, string> {
  return {
    DATA_KEKS: JSON.stringify({ [kid]: randomBytes(32).toString('base64') }),
    DATA_ACTIVE_KEK_ID: kid,
  };
}

/** Starts the API in-process on its own fresh database, logging into a capture. */
export async function startTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    // Suites fire thousands of requests from one address; rateLimits.test.ts covers limiting.
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    // The documented cheap argon2id profile: suites create hundreds of users (config refuses
    // it in production; api/src/modules/identity/passwords.ts).
    PASSWORD_HASH_PROFILE: 'test_minimum',
    // The API runs as the runtime role, as in production; fixtures use database.url (owner).
    DATABASE_URL: database.runtimeUrl,
    // Suites without SMTP_URL still send (bookings, registrations): keep those .eml files out of the checkout.
    MAIL_OUTBOX_DIR: join(tmpdir(), 'medspa-test-outbox'),
    AUTH_SIGNING_JWK: await generateSigningJwk(),
    ...generateDataKeks(),
    // Checkpoint witness files go to a scratch directory, never into the repository.
    AUDIT_WITNESS_DIR: join(tmpdir(), `medspa-witness-${randomBytes(6).toString('hex')}`),
    ...overrides,
  });
  const logs = new LogCapture();
  const api = await initApp(config, { databaseUrl: database.runtimeUrl, logger: createLogger({ level: 'info', destination: logs }) });
  return {
    api,
    config,
    database,
    logs,
    close: async () => {
      await shutdownApp(api);
      await database.drop();
    },
  };
}

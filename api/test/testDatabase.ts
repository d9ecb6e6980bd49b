import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../src/db/dataSource.js';
import { provisionRuntimeRole, runtimeUrlFor } from '../src/db/runtimeRole.js';

export interface TestDatabase {
  /** Owner connection string: migrations, fixtures, tampering. */
  url: string;
  /** The API's connection string: a login role that owns nothing (api/src/db/runtimeRole.ts). */
  runtimeUrl: string;
  drop: () => Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined) {
    throw new Error('TEST_DATABASE_URL missing: jest globalSetup did not run');
  }
  return url;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, fully migrated database per test file, so test files run in parallel against
 * real PostgreSQL without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `medspa_t_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  // Roles are cluster-wide: one per database keeps parallel test files from sharing one.
  const runtimeRole = `${name}_rt`;
  const runtimePassword = randomBytes(18).toString('base64url');
  await migrate(url.toString(), () => provisionRuntimeRole(url.toString(), runtimeRole, runtimePassword));
  return {
    url: url.toString(),
    runtimeUrl: runtimeUrlFor(url.toString(), runtimeRole, runtimePassword),
    drop: () =>
      withAdmin(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.query(`DROP ROLE IF EXISTS ${runtimeRole}`);
      }),
  };
}

/** Runs SQL as the database owner (bypasses row-level security), for fixtures and tampering. */
export async function asOwner<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

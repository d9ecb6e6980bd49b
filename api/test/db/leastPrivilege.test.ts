import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import type { ApiApp } from '../../src/app.js';
import { initApp, shutdownApp } from '../../src/app.js';
import { migrate } from '../../src/db/dataSource.js';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { provisionRuntimeRole, runtimeUrlFor } from '../../src/db/runtimeRole.js';
import { createLogger } from '../../src/logger.js';
import { createUser, seedPractice } from '../fixtures/identity.js';
import { asOwner } from '../testDatabase.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';

// Each case starts its own API on a fresh database; on a busy machine that takes seconds.
jest.setTimeout(120_000);

/** Runs `work` on a plain connection as the API's login role (no `-c role=` option). */
async function asRuntime<T>(test: TestApi, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: test.database.runtimeUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function sqlState(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'succeeded';
}

describe('the API database login', () => {
  let test: TestApi;

  beforeAll(async () => {
    test = await startTestApi();
  });

  afterAll(async () => {
    await test.close();
  });

  it('cannot RESET or SET ROLE to the owner', async () => {
    const owner = new URL(test.database.url).username;
    await asRuntime(test, async (client) => {
      await client.query('SET ROLE medspa_app');
      await client.query('RESET ROLE');
      const who = await client.query<{ user: string; super: boolean }>(
        `SELECT current_user AS user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super`,
      );
      expect(who.rows[0]?.user).not.toBe(owner);
      expect(who.rows[0]?.super).toBe(false);
      expect(await sqlState(() => client.query(`SET ROLE "${owner}"`))).toBe('42501');
      expect(await sqlState(() => client.query(`SET SESSION AUTHORIZATION "${owner}"`))).toBe('42501');
    });
  });

  it('cannot disable, drop or replace the audit trail trigger, nor change audit rows', async () => {
    await asRuntime(test, async (client) => {
      expect(await sqlState(() => client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only'))).toBe('42501');
      expect(await sqlState(() => client.query('ALTER TABLE audit_events DISABLE TRIGGER ALL'))).toBe('42501');
      expect(await sqlState(() => client.query('DROP TRIGGER audit_events_append_only ON audit_events'))).toBe('42501');
      expect(await sqlState(() => client.query('ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY'))).toBe('42501');
      expect(
        await sqlState(() => client.query(`CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`)),
      ).toBe('42501');
      expect(await sqlState(() => client.query('SET session_replication_role = replica'))).toBe('42501');
      expect(await sqlState(() => client.query('DELETE FROM audit_events'))).toBe('42501');
    });
  });

  it('cannot run DDL', async () => {
    await asRuntime(test, async (client) => {
      expect(await sqlState(() => client.query('CREATE TABLE public.intruder (x int)'))).toBe('42501');
      expect(await sqlState(() => client.query('CREATE TEMP TABLE intruder (x int)'))).toBe('42501');
      expect(await sqlState(() => client.query('CREATE SCHEMA intruder'))).toBe('42501');
      expect(await sqlState(() => client.query('DROP TABLE users'))).toBe('42501');
      expect(await sqlState(() => client.query('ALTER TABLE users ADD COLUMN x int'))).toBe('42501');
      expect(await sqlState(() => client.query('CREATE ROLE intruder'))).toBe('42501');
    });
  });

  it('sees only the tenant its session names', async () => {
    const first = await seedPractice(test);
    const second = await seedPractice(test);
    await createUser(test, first.id, 'admin');
    await createUser(test, second.id, 'admin');
    await asRuntime(test, async (client) => {
      await client.query(`SELECT set_config('app.practice_id', $1, false)`, [first.id]);
      const visible = await client.query<{ practice_id: string }>('SELECT DISTINCT practice_id FROM users');
      expect(visible.rows.map((row) => row.practice_id)).toEqual([first.id]);
      const other = await client.query('SELECT id FROM users WHERE practice_id = $1', [second.id]);
      expect(other.rowCount).toBe(0);
      // RESET ROLE lands on the login role, which RLS binds just the same.
      await client.query('RESET ROLE');
      await client.query(`SELECT set_config('app.practice_id', '', false)`);
      expect((await client.query('SELECT id FROM users')).rowCount).toBe(0);
    });
  });

  it('refuses to start the API with the owner connection string', async () => {
    const owner = { ...test.config, DATABASE_URL: test.database.url };
    await expect(initApp(owner, { databaseUrl: test.database.url, logger: createLogger({ level: 'silent' }) })).rejects.toThrow(
      /refusing to start: DATABASE_URL logs in as .*superuser or BYPASSRLS|refusing to start: DATABASE_URL logs in as .*owns/,
    );
  });

  it('refuses a non-superuser login that owns a table', async () => {
    const role = `medspa_owner_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    await provisionRuntimeRole(test.database.url, role, password);
    try {
      await asOwner(test.database.url, async (client) => {
        await client.query(`CREATE TABLE owned_by_login (x int)`);
        await client.query(`ALTER TABLE owned_by_login OWNER TO ${role}`);
      });
      const url = runtimeUrlFor(test.database.url, role, password);
      await expect(initApp(test.config, { databaseUrl: url, logger: createLogger({ level: 'silent' }) })).rejects.toThrow(
        /owns 1 table\(s\), e\.g\. public\.owned_by_login/,
      );
    } finally {
      await asOwner(test.database.url, async (client) => {
        await client.query('DROP TABLE IF EXISTS owned_by_login');
        await client.query(`DROP ROLE IF EXISTS ${role}`);
      });
    }
  });
});

describe('five API instances starting at once on an empty database', () => {
  it('all come up and the migrations run exactly once', async () => {
    const admin = process.env.TEST_DATABASE_URL;
    if (admin === undefined) throw new Error('TEST_DATABASE_URL missing');
    const name = `medspa_t_${randomBytes(6).toString('hex')}`;
    const role = `${name}_rt`;
    const password = randomBytes(18).toString('base64url');
    const ownerUrl = new URL(admin);
    ownerUrl.pathname = `/${name}`;
    const runtimeUrl = runtimeUrlFor(ownerUrl.toString(), role, password);
    await asOwner(admin, (client) => client.query(`CREATE DATABASE ${name}`));
    // A template: same secrets and settings as any test API, just a database of our own.
    const template = await startTestApi();
    await template.close();
    const apps: ApiApp[] = [];
    try {
      // What index.ts does with MIGRATION_DATABASE_URL set: migrate (and provision) under the
      // advisory lock, then start on the runtime login.
      const starts = Array.from({ length: 5 }, async () => {
        const result = await migrate(ownerUrl.toString(), () => provisionRuntimeRole(ownerUrl.toString(), role, password));
        const app = await initApp(
          { ...template.config, DATABASE_URL: runtimeUrl },
          { databaseUrl: runtimeUrl, logger: createLogger({ level: 'silent' }) },
        );
        apps.push(app);
        return result.applied.length;
      });
      const appliedCounts = await Promise.all(starts);
      expect(appliedCounts.sort((a, b) => b - a)).toEqual([MIGRATIONS.length, 0, 0, 0, 0]);
      for (const app of apps) {
        const ready = await request(app.app).get('/ready');
        expect(ready.status).toBe(200);
      }
      const rows = await asOwner(ownerUrl.toString(), (client) =>
        client.query<{ n: string; distinct: string }>('SELECT count(*) AS n, count(DISTINCT name) AS distinct FROM migrations'),
      );
      expect(Number(rows.rows[0]?.n)).toBe(MIGRATIONS.length);
      expect(Number(rows.rows[0]?.distinct)).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(apps.map((app) => shutdownApp(app)));
      await asOwner(admin, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.query(`DROP ROLE IF EXISTS ${role}`);
      });
    }
  });
});

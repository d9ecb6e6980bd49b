import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/dataSource.js';
import { withTenant } from '../../src/db/tenantTransaction.js';
import { asOwner } from '../testDatabase.js';
import type { TestDatabase } from '../testDatabase.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { loginAs, seedPractice } from '../fixtures/identity.js';
import type { SeededPractice } from '../fixtures/identity.js';

/**
 * Proof that tenancy is enforced by PostgreSQL, not only by application filters: the
 * runtime role sees nothing without a tenant, and only its tenant with one.
 */
describe('row-level security under the runtime role', () => {
  let test: TestApi;
  let app: DataSource;
  let practiceA: SeededPractice;
  let practiceB: SeededPractice;
  let database: TestDatabase;

  beforeAll(async () => {
    test = await startTestApi({ PASSWORD_HASH_PROFILE: 'test_minimum' });
    database = test.database;
    practiceA = await seedPractice(test);
    practiceB = await seedPractice(test);
    // Logins write users, sessions, refresh tokens and audit events in both tenants.
    await loginAs(test, practiceA.slug, 'admin');
    await loginAs(test, practiceB.slug, 'patient');
    app = createDataSource({ url: database.url, purpose: 'app', poolSize: 2 });
    await app.initialize();
  });

  afterAll(async () => {
    await app.destroy();
    await test.close();
  });

  const TENANT_TABLES = ['users', 'sessions', 'refresh_tokens', 'audit_events', 'audit_chain_heads'];

  it('runs as the restricted role, which cannot bypass RLS', async () => {
    const rows = await app.query<{ role: string; bypass: boolean; superuser: boolean }[]>(
      `SELECT current_user AS role, rolbypassrls AS bypass, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows).toEqual([{ role: 'medspa_app', bypass: false, superuser: false }]);
  });

  it.each(TENANT_TABLES)('returns 0 rows from %s with no tenant set, though rows exist', async (table) => {
    const owner = await ownerCount(table);
    expect(owner).toBeGreaterThan(0);
    const rows = await app.query<unknown[]>(`SELECT * FROM ${table}`);
    expect(rows).toHaveLength(0);
  });

  it.each(TENANT_TABLES)('shows only tenant A in %s when tenant A is set', async (table) => {
    const practiceIds = await withTenant(app, practiceA.id, (manager) =>
      manager.query<{ practice_id: string }[]>(`SELECT DISTINCT practice_id FROM ${table}`),
    );
    expect(practiceIds).toEqual([{ practice_id: practiceA.id }]);
  });

  it('refuses inserting a row into tenant B while tenant A is set', async () => {
    await expect(
      withTenant(app, practiceA.id, (manager) =>
        manager.query(
          `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
           VALUES ($1, 'patient', 'smuggled@example.test', 'x', 'S', 'M')`,
          [practiceB.id],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('cannot move tenant A rows into tenant B, nor touch B rows by id', async () => {
    await expect(
      withTenant(app, practiceA.id, (manager) => manager.query(`UPDATE users SET practice_id = $1`, [practiceB.id])),
    ).rejects.toThrow(/row-level security/);
    const touched = await withTenant(app, practiceA.id, (manager) =>
      manager.query<unknown[]>(
        `WITH changed AS (UPDATE users SET given_name = 'X' WHERE practice_id = $1 RETURNING id) SELECT id FROM changed`,
        [practiceB.id],
      ),
    );
    expect(touched).toHaveLength(0);
  });

  it('does not let the runtime role create practices or delete users', async () => {
    await expect(app.query(`INSERT INTO practices (slug, name) VALUES ('evil-practice', 'Evil')`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      withTenant(app, practiceA.id, (manager) => manager.query(`DELETE FROM users`)),
    ).rejects.toThrow(/permission denied/);
  });

  async function ownerCount(table: string): Promise<number> {
    const result = await asOwner(database.url, (client) => client.query<{ count: string }>(`SELECT count(*) FROM ${table}`));
    return Number(result.rows[0]?.count);
  }
});

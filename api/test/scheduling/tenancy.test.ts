import { withTenant } from '../../src/db/tenantTransaction.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { insertPatients, setUpBookablePractice } from './schedulingFixtures.js';
import type { BookablePractice } from './schedulingFixtures.js';

const TABLES = [
  'provider_profiles',
  'provider_licenses',
  'appointment_types',
  'availability_rules',
  'availability_exceptions',
  'appointments',
  'consent_documents',
  'consent_signatures',
];

describe('scheduling, licensure and consent tables are tenant-isolated in PostgreSQL', () => {
  let test: TestApi;
  let practiceA: BookablePractice;
  let practiceB: BookablePractice;

  beforeAll(async () => {
    test = await startTestApi();
    practiceA = await setUpBookablePractice(test);
    practiceB = await setUpBookablePractice(test);
    // Every table gets rows in both tenants, so an empty answer cannot pass for isolation.
    for (const setup of [practiceA, practiceB]) {
      const [patientId] = await insertPatients(test, setup.practice.id, 1);
      await asOwner(test.database.url, async (client) => {
        await client.query(
          `INSERT INTO availability_exceptions (practice_id, provider_id, during)
           VALUES ($1, $2, tstzrange('2030-06-01T00:00:00Z', '2030-06-02T00:00:00Z'))`,
          [setup.practice.id, setup.injector.userId],
        );
        await client.query(
          `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, starts_at, ends_at, occupied,
             patient_state, patient_time_zone)
           VALUES ($1, $2, $3, $4, 'follow_up', '2030-03-01T15:00:00Z', '2030-03-01T15:10:00Z',
             tstzrange('2030-03-01T15:00:00Z', '2030-03-01T15:10:00Z'), 'NY', 'America/New_York')`,
          [setup.practice.id, setup.followUpTypeId, setup.injector.userId, patientId],
        );
        const document = await client.query<{ id: string }>(
          `INSERT INTO consent_documents (practice_id, kind, version, title, body, body_sha256, published_at)
           VALUES ($1, 'telehealth', 1, 'Consent', 'Text', repeat('0', 64), now()) RETURNING id`,
          [setup.practice.id],
        );
        await client.query(
          `INSERT INTO consent_signatures (practice_id, document_id, patient_id, document_sha256, signature_name)
           VALUES ($1, $2, $3, repeat('0', 64), 'Signer')`,
          [setup.practice.id, document.rows[0]?.id, patientId],
        );
      });
    }
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  it('forces row-level security with a tenant policy on every table', async () => {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; policies: string }>(
        `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) AS policies
         FROM pg_class c WHERE c.relname = ANY($1) AND c.relkind = 'r' ORDER BY c.relname`,
        [TABLES],
      ),
    );
    expect(result.rows).toHaveLength(TABLES.length);
    for (const row of result.rows) {
      expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
      expect(Number(row.policies)).toBeGreaterThan(0);
    }
  });

  it('shows a tenant only its own rows, and none without a tenant', async () => {
    const { dataSource } = test.api.services;
    for (const table of TABLES) {
      const seenByA = await withTenant(dataSource, practiceA.practice.id, (manager) =>
        manager.query<{ practice_id: string }[]>(`SELECT DISTINCT practice_id FROM ${table}`),
      );
      expect(seenByA.map((row) => row.practice_id)).toEqual([practiceA.practice.id]);
      const seenWithout = await dataSource.query<unknown[]>(`SELECT 1 FROM ${table}`);
      expect(seenWithout).toEqual([]);
    }
  });

  it('refuses writing a row into another tenant', async () => {
    const { dataSource } = test.api.services;
    const attempt = withTenant(dataSource, practiceA.practice.id, (manager) =>
      manager.query(
        `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes) VALUES ($1, 'Smuggled', 'follow_up', 10)`,
        [practiceB.practice.id],
      ),
    );
    await expect(attempt).rejects.toMatchObject({ driverError: { code: '42501' } });
  });
});

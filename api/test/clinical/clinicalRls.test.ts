import { deflateSync } from 'node:zlib';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/dataSource.js';
import { withTenant } from '../../src/db/tenantTransaction.js';
import { bearer } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';
import type { Clinic } from './clinicalFixtures.js';
import { as, insertAppointment, seedClinic } from './clinicalFixtures.js';

const TABLES = [
  'data_keys',
  'clinical_notes',
  'clinical_note_versions',
  'clinical_note_addenda',
  'clinical_photos',
  'referrals',
] as const;

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), deflateSync(Buffer.from('pixels'))]);

/**
 * Row-level security on the clinical tables, checked below the API: the runtime role sees
 * only the current tenant's rows, nothing without a tenant, and cannot write rows for
 * another tenant or delete records.
 */
describe('clinical tables under row-level security', () => {
  let test: TestApi;
  let app: DataSource;
  let a: Clinic;
  let b: Clinic;

  async function populate(clinic: Clinic): Promise<void> {
    const visit = await insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'treatment',
    });
    const provider = as(test, clinic.provider);
    const note = await provider
      .post(`/v1/appointments/${visit}/note`)
      .send({ template: 'soap', content: { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' } })
      .expect(201);
    const noteId = (note.body as { id: string }).id;
    await provider.post(`/v1/notes/${noteId}/sign`).send({ expectedVersion: 1 }).expect(200);
    await provider.post(`/v1/notes/${noteId}/addenda`).send({ text: 'addendum' }).expect(201);
    await request(test.api.app)
      .post(`/v1/appointments/${visit}/photos?phase=before`)
      .set('authorization', bearer(clinic.patient))
      .set('content-type', 'image/png')
      .send(PNG)
      .expect(201);
    await provider
      .post(`/v1/patients/${clinic.patient.userId}/referrals`)
      .send({ recipientName: 'r', recipientAddress: 'a', purpose: 'p', informationDisclosed: 'i' })
      .expect(201);
  }

  beforeAll(async () => {
    test = await startTestApi();
    a = await seedClinic(test);
    b = await seedClinic(test);
    await populate(a);
    await populate(b);
    app = createDataSource({ url: test.database.url, purpose: 'app', poolSize: 2 });
    await app.initialize();
  }, 120_000);

  afterAll(async () => {
    await app.destroy();
    await test.close();
  });

  it.each(TABLES)('%s: a tenant sees only its own rows, no tenant sees none', async (table) => {
    const seen = await withTenant(app, a.practice.id, (manager) =>
      manager.query<{ practice_id: string }[]>(`SELECT practice_id FROM ${table}`),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((row) => row.practice_id))).toEqual(new Set([a.practice.id]));
    const none = await app.query<unknown[]>(`SELECT 1 FROM ${table}`);
    expect(none).toEqual([]);
  });

  it("refuses writing another tenant's rows and deleting records", async () => {
    await expect(
      withTenant(app, a.practice.id, (manager) =>
        manager.query(`INSERT INTO data_keys (practice_id, kek_id, wrapped_key) VALUES ($1, 'k', $2)`, [b.practice.id, Buffer.alloc(40)]),
      ),
    ).rejects.toThrow(/row-level security/);
    for (const table of ['clinical_notes', 'clinical_note_versions', 'clinical_photos', 'data_keys', 'referrals']) {
      await expect(withTenant(app, a.practice.id, (manager) => manager.query(`DELETE FROM ${table}`))).rejects.toThrow(
        /permission denied/,
      );
    }
    await expect(
      withTenant(app, a.practice.id, (manager) => manager.query(`UPDATE clinical_photos SET phase = 'after'`)),
    ).rejects.toThrow(/permission denied/);
  });
});

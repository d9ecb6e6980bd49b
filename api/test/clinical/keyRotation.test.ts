import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { initApp, shutdownApp } from '../../src/app.js';
import type { ApiApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { keyRingFromConfig } from '../../src/crypto/keyRing.js';
import { rewrapDataKeys } from '../../src/crypto/keyRotation.js';
import { createDataSource } from '../../src/db/dataSource.js';
import { createLogger } from '../../src/logger.js';
import { bearer } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { LogCapture, startTestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import type { Clinic } from './clinicalFixtures.js';
import { as, insertAppointment, seedClinic } from './clinicalFixtures.js';

const SOAP = { subjective: 'rotation subjective', objective: 'o', assessment: 'a', plan: 'p', patientSummary: 's' };

interface StoredNote {
  ciphertexts: string[];
  kekId: string;
  wrappedKey: string;
}

describe('KEK rotation', () => {
  let test: TestApi;
  let clinic: Clinic;
  const oldKid = `old-${randomBytes(3).toString('hex')}`;
  const oldKey = randomBytes(32).toString('base64');
  const newKid = `new-${randomBytes(3).toString('hex')}`;
  const newKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    test = await startTestApi({ DATA_KEKS: JSON.stringify({ [oldKid]: oldKey }), DATA_ACTIVE_KEK_ID: oldKid });
    clinic = await seedClinic(test);
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  async function stored(noteId: string): Promise<StoredNote> {
    return asOwner(test.database.url, async (client) => {
      const versions = await client.query<{ ciphertext: Buffer; iv: Buffer; auth_tag: Buffer }>(
        `SELECT ciphertext, iv, auth_tag FROM clinical_note_versions WHERE note_id = $1 ORDER BY version`,
        [noteId],
      );
      const key = await client.query<{ kek_id: string; wrapped_key: Buffer }>(
        `SELECT k.kek_id, k.wrapped_key FROM data_keys k JOIN clinical_notes n ON n.data_key_id = k.id WHERE n.id = $1`,
        [noteId],
      );
      const row = key.rows[0];
      if (row === undefined) throw new Error('no data key');
      return {
        ciphertexts: versions.rows.map((v) => Buffer.concat([v.iv, v.ciphertext, v.auth_tag]).toString('hex')),
        kekId: row.kek_id,
        wrappedKey: row.wrapped_key.toString('hex'),
      };
    });
  }

  async function apiWith(keks: Record<string, string>, active: string): Promise<ApiApp> {
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(test.config).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])),
      DATA_KEKS: JSON.stringify(keks),
      DATA_ACTIVE_KEK_ID: active,
    });
    return initApp(config, {
      databaseUrl: test.database.runtimeUrl,
      logger: createLogger({ level: 'info', destination: new LogCapture() }),
    });
  }

  it('re-wraps every data key without touching note ciphertext; the old KEK is then unnecessary', async () => {
    const provider = as(test, clinic.provider);
    const noteIds: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const appointmentId = await insertAppointment(test, clinic.practice.id, {
        providerId: clinic.provider.userId,
        patientId: clinic.patient.userId,
        kind: 'virtual_consult',
      });
      const created = await provider.post(`/v1/appointments/${appointmentId}/note`).send({ template: 'soap', content: SOAP });
      expect(created.status).toBe(201);
      const noteId = (created.body as { id: string }).id;
      await provider.put(`/v1/notes/${noteId}`).send({ expectedVersion: 1, content: { ...SOAP, plan: `plan ${i}` } }).expect(200);
      noteIds.push(noteId);
    }
    const before = await Promise.all(noteIds.map(stored));
    expect(before.every((note) => note.kekId === oldKid)).toBe(true);
    // Notes' keys plus any other data keys (staff TOTP secrets are sealed the same way).
    const allKeys = await asOwner(test.database.url, (client) =>
      client.query<{ count: string }>(`SELECT count(*) FROM data_keys WHERE kek_id = $1`, [oldKid]),
    );
    const keyCount = Number(allKeys.rows[0]?.count);
    expect(keyCount).toBeGreaterThanOrEqual(noteIds.length);

    const config = loadConfig({
      ...Object.fromEntries(Object.entries(test.config).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])),
      DATA_KEKS: JSON.stringify({ [oldKid]: oldKey, [newKid]: newKey }),
      DATA_ACTIVE_KEK_ID: newKid,
    });
    const dataSource = createDataSource({ url: test.database.url, purpose: 'app', poolSize: 2 });
    await dataSource.initialize();
    try {
      const report = await rewrapDataKeys(dataSource, keyRingFromConfig(config), {
        batchSize: 2,
        context: { requestId: 'rotation-test-1', ip: null, userAgent: 'test', auth: null },
      });
      expect(report).toEqual({ practices: 1, rewrapped: keyCount, remaining: 0 });
      // Idempotent: a second run has nothing left to do.
      const again = await rewrapDataKeys(dataSource, keyRingFromConfig(config), {
        context: { requestId: 'rotation-test-2', ip: null, userAgent: 'test', auth: null },
      });
      expect(again).toEqual({ practices: 1, rewrapped: 0, remaining: 0 });
    } finally {
      await dataSource.destroy();
    }

    const after = await Promise.all(noteIds.map(stored));
    for (const [index, note] of after.entries()) {
      expect(note.kekId).toBe(newKid);
      expect(note.ciphertexts).toEqual(before[index]?.ciphertexts);
      expect(note.wrappedKey).not.toBe(before[index]?.wrappedKey);
    }
    const audits = await asOwner(test.database.url, (client) =>
      client.query<{ count: string }>(`SELECT count(*) FROM audit_events WHERE action = 'data_key.rewrap'`),
    );
    expect(Number(audits.rows[0]?.count)).toBe(Math.ceil(keyCount / 2));

    // An API that holds only the new KEK reads every version of every note.
    const newOnly = await apiWith({ [newKid]: newKey }, newKid);
    try {
      for (const [index, noteId] of noteIds.entries()) {
        const read = await request(newOnly.app).get(`/v1/notes/${noteId}`).set('authorization', bearer(clinic.provider));
        expect(read.status).toBe(200);
        expect((read.body as { content: { plan: string } }).content.plan).toBe(`plan ${index}`);
        const first = await request(newOnly.app)
          .get(`/v1/notes/${noteId}/versions/1`)
          .set('authorization', bearer(clinic.provider));
        expect((first.body as { content: { plan: string } }).content.plan).toBe('p');
      }
    } finally {
      await shutdownApp(newOnly);
    }

    // And one that holds only the retired KEK can no longer read them.
    const oldOnly = await apiWith({ [oldKid]: oldKey }, oldKid);
    try {
      const read = await request(oldOnly.app).get(`/v1/notes/${noteIds[0] ?? ''}`).set('authorization', bearer(clinic.provider));
      expect(read.status).toBe(500);
    } finally {
      await shutdownApp(oldOnly);
    }
  }, 120_000);

  it('refuses configurations whose active KEK is not listed or whose keys are malformed', () => {
    const base = { NODE_ENV: 'test', AUTH_SIGNING_JWK: '{}' };
    expect(() => loadConfig({ ...base, DATA_KEKS: JSON.stringify({ a: newKey }), DATA_ACTIVE_KEK_ID: 'b' })).toThrow(
      /DATA_ACTIVE_KEK_ID/,
    );
    expect(() =>
      loadConfig({ ...base, DATA_KEKS: JSON.stringify({ a: randomBytes(16).toString('base64') }), DATA_ACTIVE_KEK_ID: 'a' }),
    ).toThrow(/32 bytes/);
    expect(() => loadConfig({ ...base, DATA_KEKS: 'not json', DATA_ACTIVE_KEK_ID: 'a' })).toThrow(/DATA_KEKS/);
    expect(() => loadConfig({ ...base, DATA_ACTIVE_KEK_ID: 'a' })).toThrow(/DATA_KEKS/);
    // No key material in the error text.
    let message = '';
    try {
      loadConfig({ ...base, DATA_KEKS: JSON.stringify({ a: 'c2hvcnQ=' }), DATA_ACTIVE_KEK_ID: 'a' });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/32 bytes/);
    expect(message).not.toContain('c2hvcnQ=');
  });
});

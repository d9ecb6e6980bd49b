import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { loginAs } from '../fixtures/identity.js';
import type { Clinic } from './clinicalFixtures.js';
import { as, auditActionsFor, insertAppointment, seedClinic } from './clinicalFixtures.js';

const SOAP = {
  subjective: 'Patient reports forehead lines, no prior neuromodulator',
  objective: 'Dynamic rhytids frontalis, no ptosis',
  assessment: 'Candidate for neuromodulator',
  plan: 'Treat 20 units, follow up in 14 days',
  patientSummary: 'We discussed treating forehead lines; follow-up in two weeks.',
};

interface NoteBody {
  id: string;
  version: number;
  status: string;
  content: Record<string, unknown>;
  addenda: { text: string }[];
  signedDigest: string | null;
}

describe('consult notes', () => {
  let test: TestApi;
  let clinic: Clinic;

  beforeAll(async () => {
    test = await startTestApi();
    clinic = await seedClinic(test);
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  async function newAppointment(kind: 'virtual_consult' | 'gfe' = 'virtual_consult'): Promise<string> {
    return insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind,
    });
  }

  async function createSoapNote(): Promise<NoteBody> {
    const appointmentId = await newAppointment();
    const response = await as(test, clinic.provider)
      .post(`/v1/appointments/${appointmentId}/note`)
      .send({ template: 'soap', content: SOAP })
      .expect(201);
    return response.body as NoteBody;
  }

  it('stores only ciphertext at rest and reads it back decrypted', async () => {
    const note = await createSoapNote();
    expect(note.version).toBe(1);
    expect(note.status).toBe('draft');

    const raw = await asOwner(test.database.url, async (client) => {
      const versions = await client.query<{ iv: Buffer; ciphertext: Buffer; auth_tag: Buffer }>(
        `SELECT iv, ciphertext, auth_tag FROM clinical_note_versions WHERE note_id = $1`,
        [note.id],
      );
      const key = await client.query<{ kek_id: string; wrapped_key: Buffer }>(
        `SELECT k.kek_id, k.wrapped_key FROM data_keys k JOIN clinical_notes n ON n.data_key_id = k.id WHERE n.id = $1`,
        [note.id],
      );
      // Every text column of every clinical table, as the database would hand them to anyone.
      const dump = await client.query<{ dump: string }>(
        `SELECT string_agg(t::text, ' ') AS dump FROM (
           SELECT row_to_json(v)::text AS t FROM clinical_note_versions v
           UNION ALL SELECT row_to_json(n)::text FROM clinical_notes n
           UNION ALL SELECT row_to_json(a)::text FROM audit_events a) rows`,
      );
      return { versions: versions.rows, key: key.rows[0], dump: dump.rows[0]?.dump ?? '' };
    });
    expect(raw.versions).toHaveLength(1);
    const stored = raw.versions[0];
    expect(stored?.iv).toHaveLength(12);
    expect(stored?.auth_tag).toHaveLength(16);
    const bytes = stored?.ciphertext ?? Buffer.alloc(0);
    for (const phrase of ['forehead', 'neuromodulator', 'ptosis', 'follow-up']) {
      expect(bytes.includes(Buffer.from(phrase))).toBe(false);
      expect(raw.dump).not.toContain(phrase);
    }
    expect(raw.key?.kek_id).toBe(test.config.DATA_ACTIVE_KEK_ID);
    expect(raw.key?.wrapped_key).toHaveLength(40);

    const read = await as(test, clinic.provider).get(`/v1/notes/${note.id}`).expect(200);
    expect((read.body as NoteBody).content).toEqual(SOAP);
    expect(test.logs.text()).not.toContain('forehead');
  });

  it('keeps every saved draft as a version and refuses stale saves', async () => {
    const note = await createSoapNote();
    const provider = as(test, clinic.provider);
    const saved = await provider
      .put(`/v1/notes/${note.id}`)
      .send({ expectedVersion: 1, content: { ...SOAP, plan: 'Treat 24 units' } })
      .expect(200);
    expect((saved.body as NoteBody).version).toBe(2);

    const stale = await provider.put(`/v1/notes/${note.id}`).send({ expectedVersion: 1, content: SOAP }).expect(409);
    expect(stale.body).toMatchObject({ code: 'version_conflict' });

    const versions = await provider.get(`/v1/notes/${note.id}/versions`).expect(200);
    expect((versions.body as { versions: { version: number }[] }).versions.map((v) => v.version)).toEqual([1, 2]);
    const first = await provider.get(`/v1/notes/${note.id}/versions/1`).expect(200);
    expect((first.body as { content: { plan: string } }).content.plan).toBe(SOAP.plan);
    const second = await provider.get(`/v1/notes/${note.id}/versions/2`).expect(200);
    expect((second.body as { content: { plan: string } }).content.plan).toBe('Treat 24 units');
    await provider.get(`/v1/notes/${note.id}/versions/3`).expect(404);

    const invalid = await provider
      .put(`/v1/notes/${note.id}`)
      .send({ expectedVersion: 2, content: { subjective: 7 } })
      .expect(400);
    expect(invalid.body).toMatchObject({ code: 'validation_failed' });
  });

  it('signs and locks: no more drafts, only signed addenda, and the database refuses edits', async () => {
    const note = await createSoapNote();
    const provider = as(test, clinic.provider);
    await provider.post(`/v1/notes/${note.id}/addenda`).send({ text: 'too early' }).expect(409);
    await provider.post(`/v1/notes/${note.id}/sign`).send({ expectedVersion: 2 }).expect(409);
    const signed = await provider.post(`/v1/notes/${note.id}/sign`).send({ expectedVersion: 1 }).expect(200);
    expect(signed.body).toMatchObject({ status: 'signed', version: 1 });
    expect((signed.body as NoteBody).signedDigest).toMatch(/^[0-9a-f]{64}$/);

    const edit = await provider.put(`/v1/notes/${note.id}`).send({ expectedVersion: 1, content: SOAP }).expect(409);
    expect(edit.body).toMatchObject({ code: 'note_signed' });
    await provider.post(`/v1/notes/${note.id}/sign`).send({ expectedVersion: 1 }).expect(409);

    const director = await loginAs(test, clinic.practice.slug, 'medical_director');
    const addendum = await as(test, director)
      .post(`/v1/notes/${note.id}/addenda`)
      .send({ text: 'Chart reviewed: agree with plan' })
      .expect(201);
    expect(addendum.body).toMatchObject({ authorId: director.userId, text: 'Chart reviewed: agree with plan' });
    const read = await provider.get(`/v1/notes/${note.id}`).expect(200);
    expect((read.body as NoteBody).addenda.map((a) => a.text)).toEqual(['Chart reviewed: agree with plan']);

    // Even the table owner cannot change a signed note, rewrite a version or drop an addendum.
    await asOwner(test.database.url, async (client) => {
      await expect(client.query(`UPDATE clinical_notes SET updated_at = now() WHERE id = $1`, [note.id])).rejects.toThrow(
        /signed and locked/,
      );
      await expect(
        client.query(`UPDATE clinical_note_versions SET ciphertext = '\\x00' WHERE note_id = $1`, [note.id]),
      ).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM clinical_note_addenda WHERE note_id = $1`, [note.id])).rejects.toThrow(
        /append-only/,
      );
    });
    const addendumCipher = await asOwner(test.database.url, (client) =>
      client.query<{ ciphertext: Buffer }>(`SELECT ciphertext FROM clinical_note_addenda WHERE note_id = $1`, [note.id]),
    );
    expect(addendumCipher.rows[0]?.ciphertext.includes(Buffer.from('reviewed'))).toBe(false);
  });

  it('refuses a version ciphertext moved to another version (AAD binds record and version)', async () => {
    const note = await createSoapNote();
    const provider = as(test, clinic.provider);
    await provider.put(`/v1/notes/${note.id}`).send({ expectedVersion: 1, content: { ...SOAP, plan: 'v2' } }).expect(200);
    // Same data key, valid ciphertexts: only the AAD (note id + version) tells them apart.
    // A superuser session with triggers off stands in for an attacker with database access.
    await asOwner(test.database.url, async (client) => {
      await client.query(`SET session_replication_role = replica`);
      await client.query(
        `UPDATE clinical_note_versions v SET iv = o.iv, ciphertext = o.ciphertext, auth_tag = o.auth_tag
         FROM clinical_note_versions o
         WHERE v.note_id = $1 AND o.note_id = $1 AND v.version = 2 AND o.version = 1`,
        [note.id],
      );
    });
    const swapped = await provider.get(`/v1/notes/${note.id}/versions/2`).expect(500);
    expect(swapped.body).toEqual({ code: 'internal_error', message: 'Internal server error' });
    expect(test.logs.text()).toContain('DecryptionFailedError');
    await provider.get(`/v1/notes/${note.id}/versions/1`).expect(200);
  });

  it('audits every read and write with the patient id', async () => {
    const note = await createSoapNote();
    const provider = as(test, clinic.provider);
    await provider.get(`/v1/notes/${note.id}`).expect(200);
    await provider.put(`/v1/notes/${note.id}`).send({ expectedVersion: 1, content: SOAP }).expect(200);
    await provider.post(`/v1/notes/${note.id}/sign`).send({ expectedVersion: 2 }).expect(200);
    await provider.post(`/v1/notes/${note.id}/addenda`).send({ text: 'x' }).expect(201);
    expect(await auditActionsFor(test, clinic.practice.id, note.id)).toEqual([
      'note.write',
      'note.read',
      'note.write',
      'note.sign',
      'note.addendum',
    ]);
    const patients = await asOwner(test.database.url, (client) =>
      client.query<{ patient_id: string }>(`SELECT DISTINCT patient_id FROM audit_events WHERE entity_id = $1`, [note.id]),
    );
    expect(patients.rows.map((row) => row.patient_id)).toEqual([clinic.patient.userId]);
  });

  it('limits who writes and reads notes', async () => {
    const note = await createSoapNote();
    const otherInjector = await loginAs(test, clinic.practice.slug, 'injector');
    const frontDesk = await loginAs(test, clinic.practice.slug, 'front_desk');
    await as(test, otherInjector).put(`/v1/notes/${note.id}`).send({ expectedVersion: 1, content: SOAP }).expect(403);
    await as(test, otherInjector).post(`/v1/notes/${note.id}/sign`).send({ expectedVersion: 1 }).expect(403);
    // Refused attempts are audited on their own (the access itself rolled back), with the patient.
    const refusals = await asOwner(test.database.url, (client) =>
      client.query<{ action: string; outcome: string; actor_user_id: string; patient_id: string }>(
        `SELECT action, outcome, actor_user_id, patient_id FROM audit_events WHERE entity_id = $1 AND outcome <> 'success' ORDER BY seq`,
        [note.id],
      ),
    );
    expect(refusals.rows).toEqual([
      { action: 'note.write', outcome: 'denied', actor_user_id: otherInjector.userId, patient_id: clinic.patient.userId },
      { action: 'note.sign', outcome: 'denied', actor_user_id: otherInjector.userId, patient_id: clinic.patient.userId },
    ]);
    await as(test, frontDesk).get(`/v1/notes/${note.id}`).expect(403);
    await as(test, clinic.patient).get(`/v1/notes/${note.id}`).expect(403);
    const appointmentId = await newAppointment();
    await as(test, otherInjector)
      .post(`/v1/appointments/${appointmentId}/note`)
      .send({ template: 'soap', content: SOAP })
      .expect(403);
  });

  it('keeps notes inside their practice', async () => {
    const note = await createSoapNote();
    const other = await seedClinic(test);
    await as(test, other.provider).get(`/v1/notes/${note.id}`).expect(404);
  });

  it('lets exactly one of several concurrent first saves of a visit win', async () => {
    const appointmentId = await newAppointment();
    const provider = as(test, clinic.provider);
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        provider.post(`/v1/appointments/${appointmentId}/note`).send({ template: 'soap', content: SOAP }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    const keys = await asOwner(test.database.url, (client) =>
      client.query<{ count: string }>(
        `SELECT count(*) FROM data_keys k WHERE k.practice_id = $1
           AND NOT EXISTS (SELECT 1 FROM clinical_notes n WHERE n.data_key_id = k.id)
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.totp_data_key_id = k.id)`,
        [clinic.practice.id],
      ),
    );
    // The losers' data keys rolled back with them.
    expect(Number(keys.rows[0]?.count)).toBe(0);
  });

  it('answers bad input with 4xx', async () => {
    const provider = as(test, clinic.provider);
    await provider.get('/v1/notes/not-a-uuid').expect(400);
    await provider.get('/v1/notes/00000000-0000-4000-8000-000000000000').expect(404);
    const consult = await newAppointment();
    await provider.post(`/v1/appointments/${consult}/note`).send({ template: 'gfe', content: {} }).expect(400);
    await provider.post(`/v1/appointments/${consult}/note`).send({ template: 'soap', content: SOAP }).expect(201);
    const again = await provider.post(`/v1/appointments/${consult}/note`).send({ template: 'soap', content: SOAP }).expect(409);
    expect(again.body).toMatchObject({ code: 'note_exists' });
    await provider
      .post('/v1/appointments/00000000-0000-4000-8000-000000000000/note')
      .send({ template: 'soap', content: SOAP })
      .expect(404);
  });
});

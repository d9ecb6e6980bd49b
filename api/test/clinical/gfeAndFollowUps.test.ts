import { deflateSync } from 'node:zlib';
import request from 'supertest';
import type { LoggedIn } from '../fixtures/identity.js';
import { bearer, loginAs } from '../fixtures/identity.js';
import type { BookablePractice } from '../scheduling/schedulingFixtures.js';
import { countRows, setUpBookablePractice } from '../scheduling/schedulingFixtures.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { as, insertAppointment } from './clinicalFixtures.js';

const DAY_MS = 86_400_000;

/** 15:00 UTC (10:00 or 11:00 in New York, inside the fixture's working hours) `days` from now. */
function daysAhead(days: number, minute = 0): string {
  const date = new Date(Date.now() + days * DAY_MS);
  date.setUTCHours(15, minute, 0, 0);
  return date.toISOString();
}

/** A tiny but well-formed PNG (1x1, one grey pixel); its content is irrelevant here. */
function pngBytes(marker: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, Buffer.from(type, 'ascii'), data, Buffer.alloc(4)]);
  };
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from([0, marker]))),
    chunk('tEXt', Buffer.from(`Comment\0secret-photo-marker-${marker}`, 'latin1')),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('GFE outcomes, treatment clearance and follow-ups', () => {
  let test: TestApi;
  let setup: BookablePractice;
  let patient: LoggedIn;
  let treatmentTypeId: string;
  let fillerTypeId: string;
  let treatmentId: string;

  beforeAll(async () => {
    test = await startTestApi();
    setup = await setUpBookablePractice(test);
    patient = await loginAs(test, setup.practice.slug, 'patient');
    const createType = async (body: Record<string, unknown>): Promise<string> => {
      const response = await as(test, setup.admin).post('/v1/appointment-types').send(body);
      expect(response.status).toBe(201);
      return (response.body as { id: string }).id;
    };
    treatmentTypeId = await createType({ name: 'Neuromodulator', kind: 'treatment', durationMinutes: 30, serviceCode: 'neuromodulator' });
    fillerTypeId = await createType({ name: 'Filler', kind: 'treatment', durationMinutes: 45, serviceCode: 'dermal_filler' });
  }, 180_000);

  afterAll(async () => {
    await test.close();
  });

  function bookTreatment(typeId: string, startsAt: string) {
    return as(test, setup.frontDesk).post('/v1/appointments').send({
      appointmentTypeId: typeId,
      providerId: setup.injector.userId,
      patientId: patient.userId,
      startsAt,
      patientState: 'NY',
      patientTimeZone: 'America/New_York',
    });
  }

  it('refuses treatment without a current GFE clearance and writes nothing', async () => {
    const before = await countRows(test, `SELECT count(*) AS n FROM appointments`);
    const refused = await bookTreatment(treatmentTypeId, daysAhead(1)).expect(409);
    expect(refused.body).toMatchObject({ code: 'gfe_clearance_required' });
    expect(await countRows(test, `SELECT count(*) AS n FROM appointments`)).toBe(before);
  });

  it('turns a signed GFE note into per-service outcomes with expiry that gate treatment', async () => {
    const gfeVisit = await insertAppointment(test, setup.practice.id, {
      providerId: setup.injector.userId,
      patientId: patient.userId,
      kind: 'gfe',
      startsAt: new Date(Date.now() - DAY_MS),
    });
    const injector = as(test, setup.injector);
    const created = await injector
      .post(`/v1/appointments/${gfeVisit}/note`)
      .send({ template: 'gfe', content: { history: 'No prior treatments', contraindications: 'None' } })
      .expect(201);
    const noteId = (created.body as { id: string }).id;
    const incomplete = await injector.post(`/v1/notes/${noteId}/sign`).send({ expectedVersion: 1 }).expect(400);
    expect(incomplete.body).toMatchObject({ code: 'gfe_incomplete' });
    await injector
      .put(`/v1/notes/${noteId}`)
      .send({
        expectedVersion: 1,
        content: {
          history: 'No prior treatments',
          contraindications: 'None',
          servicesAssessed: [
            { serviceCode: 'neuromodulator', outcome: 'cleared', validForDays: 5 },
            { serviceCode: 'dermal_filler', outcome: 'deferred', rationale: 'Recent dental work' },
          ],
          patientSummary: 'Cleared for neuromodulator; filler deferred for now.',
        },
      })
      .expect(200);
    await injector.post(`/v1/notes/${noteId}/sign`).send({ expectedVersion: 2 }).expect(200);

    const outcomes = await as(test, patient).get(`/v1/patients/${patient.userId}/gfe-outcomes`).expect(200);
    const byService = Object.fromEntries(
      (outcomes.body as { outcomes: { serviceCode: string; outcome: string; current: boolean; expiresAt: string | null }[] }).outcomes.map(
        (o) => [o.serviceCode, o],
      ),
    );
    expect(byService.neuromodulator).toMatchObject({ outcome: 'cleared', current: true });
    expect(Date.parse(byService.neuromodulator?.expiresAt ?? '') - Date.now()).toBeGreaterThan(4 * DAY_MS);
    expect(byService.dermal_filler).toMatchObject({ outcome: 'deferred', current: false, expiresAt: null });
    // GFE outcomes are clinical records: the front desk books against them (the server checks
    // clearance) but does not read them (docs/access-policy.md).
    await as(test, setup.frontDesk).get(`/v1/patients/${patient.userId}/gfe-outcomes`).expect(403);
    const otherPatient = await loginAs(test, setup.practice.slug, 'patient');
    await as(test, otherPatient).get(`/v1/patients/${patient.userId}/gfe-outcomes`).expect(404);

    // Cleared service, inside the validity window: booked.
    const booked = await bookTreatment(treatmentTypeId, daysAhead(1)).expect(201);
    treatmentId = (booked.body as { id: string }).id;
    // After the clearance expires, or for the deferred service: refused.
    const late = await bookTreatment(treatmentTypeId, daysAhead(8)).expect(409);
    expect(late.body).toMatchObject({ code: 'gfe_clearance_required' });
    const filler = await bookTreatment(fillerTypeId, daysAhead(2)).expect(409);
    expect(filler.body).toMatchObject({ code: 'gfe_clearance_required' });

    // Outcomes are decisions of record: the runtime role cannot edit them.
    const outcomeRows = await asOwner(test.database.url, (client) =>
      client.query<{ count: string }>(`SELECT count(*) FROM gfe_outcomes WHERE note_id = $1`, [noteId]),
    );
    expect(Number(outcomeRows.rows[0]?.count)).toBe(2);
  });

  it('schedules follow-ups after a treatment through the booking rules', async () => {
    const injector = as(test, setup.injector);
    const base = { patientState: 'NY', patientTimeZone: 'America/New_York' };
    const wrongType = await injector
      .post(`/v1/appointments/${treatmentId}/follow-ups`)
      .send({ ...base, appointmentTypeId: setup.consultTypeId, startsAt: daysAhead(3) })
      .expect(400);
    expect(wrongType.body).toMatchObject({ code: 'not_a_follow_up_type' });
    const early = await injector
      .post(`/v1/appointments/${treatmentId}/follow-ups`)
      .send({ ...base, appointmentTypeId: setup.followUpTypeId, startsAt: daysAhead(0, 30) })
      .expect(400);
    expect(early.body).toMatchObject({ code: 'follow_up_before_treatment' });
    const followUp = await injector
      .post(`/v1/appointments/${treatmentId}/follow-ups`)
      .send({ ...base, appointmentTypeId: setup.followUpTypeId, startsAt: daysAhead(3) })
      .expect(201);
    expect(followUp.body).toMatchObject({ kind: 'follow_up', patientId: patient.userId, providerId: setup.injector.userId });
    // The same slot again: the database's exclusion constraint answers.
    await injector
      .post(`/v1/appointments/${treatmentId}/follow-ups`)
      .send({ ...base, appointmentTypeId: setup.followUpTypeId, startsAt: daysAhead(3) })
      .expect(409);
    const listed = await as(test, patient).get(`/v1/appointments/${treatmentId}/follow-ups`).expect(200);
    expect((listed.body as { followUps: { followUpAppointmentId: string }[] }).followUps).toEqual([
      expect.objectContaining({ followUpAppointmentId: (followUp.body as { id: string }).id }),
    ]);
    const consultId = await insertAppointment(test, setup.practice.id, {
      providerId: setup.injector.userId,
      patientId: patient.userId,
      kind: 'virtual_consult',
    });
    await injector
      .post(`/v1/appointments/${consultId}/follow-ups`)
      .send({ ...base, appointmentTypeId: setup.followUpTypeId, startsAt: daysAhead(4) })
      .expect(400);
  });

  it('stores follow-up photos encrypted and serves them only to the patient and providers', async () => {
    const before = pngBytes(1);
    const after = pngBytes(2);
    const upload = (session: LoggedIn, phase: string, bytes: Buffer, type = 'image/png') =>
      request(test.api.app)
        .post(`/v1/appointments/${treatmentId}/photos?phase=${phase}`)
        .set('authorization', bearer(session))
        .set('content-type', type)
        .send(bytes);
    const first = await upload(patient, 'before', before).expect(201);
    await upload(setup.injector, 'after', after).expect(201);
    const photoId = (first.body as { id: string }).id;
    expect(first.body).toMatchObject({ phase: 'before', contentType: 'image/png', byteSize: before.length });

    const raw = await asOwner(test.database.url, (client) =>
      client.query<{ ciphertext: Buffer }>(`SELECT ciphertext FROM clinical_photos WHERE id = $1`, [photoId]),
    );
    const stored = raw.rows[0]?.ciphertext ?? Buffer.alloc(0);
    expect(stored.length).toBe(before.length);
    expect(stored.includes(Buffer.from('secret-photo-marker'))).toBe(false);
    expect(stored.includes(Buffer.from('IHDR'))).toBe(false);

    const download = await request(test.api.app)
      .get(`/v1/photos/${photoId}`)
      .set('authorization', bearer(patient))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => { done(null, Buffer.concat(chunks)); });
      })
      .expect(200);
    expect(download.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(download.body as Buffer, before)).toBe(0);

    const stranger = await loginAs(test, setup.practice.slug, 'patient');
    await request(test.api.app).get(`/v1/photos/${photoId}`).set('authorization', bearer(stranger)).expect(404);
    await request(test.api.app).get(`/v1/photos/${photoId}`).set('authorization', bearer(setup.frontDesk)).expect(403);
    await upload(stranger, 'before', before).expect(404);
    await as(test, stranger).get(`/v1/patients/${patient.userId}/photos`).expect(404);

    const listed = await as(test, setup.injector).get(`/v1/patients/${patient.userId}/photos`).expect(200);
    const visits = (listed.body as { visits: { appointmentId: string; photos: { phase: string }[] }[] }).visits;
    expect(visits).toHaveLength(1);
    expect(visits[0]?.appointmentId).toBe(treatmentId);
    expect(visits[0]?.photos.map((p) => p.phase)).toEqual(['before', 'after']);

    const audits = await asOwner(test.database.url, (client) =>
      client.query<{ action: string; outcome: string }>(
        `SELECT action, outcome FROM audit_events WHERE entity_id = $1 ORDER BY seq`,
        [photoId],
      ),
    );
    // The other patient's attempt is on record too (as a failure), not only the accesses.
    expect(audits.rows.map((row) => `${row.action}:${row.outcome}`)).toEqual([
      'photo.write:success',
      'photo.read:success',
      'photo.read:failure',
    ]);
  });

  it('refuses non-images, oversized uploads and JSON on the photo route', async () => {
    const post = () => request(test.api.app).post(`/v1/appointments/${treatmentId}/photos?phase=after`).set('authorization', bearer(patient));
    const disguised = await post().set('content-type', 'image/png').send(Buffer.from('<svg onload="alert(1)"/>')).expect(415);
    expect(disguised.body).toMatchObject({ code: 'unsupported_image' });
    await post().send({ image: 'aGVsbG8=' }).expect(400);
    await post().set('content-type', 'image/jpeg').send(Buffer.alloc(9 * 1024 * 1024, 0xff)).expect(413);
    await request(test.api.app)
      .post(`/v1/appointments/${treatmentId}/photos?phase=sideways`)
      .set('authorization', bearer(patient))
      .set('content-type', 'image/png')
      .send(pngBytes(3))
      .expect(400);
  });

  it('takes the symptom questionnaire once per follow-up, encrypted, and flags warning signs', async () => {
    const followUpId = await insertAppointment(test, setup.practice.id, {
      providerId: setup.injector.userId,
      patientId: patient.userId,
      kind: 'follow_up',
      status: 'booked',
    });
    const answers = {
      painScore: 2,
      swelling: 'mild',
      bruising: 'none',
      asymmetry: false,
      infectionSigns: false,
      visionOrSkinColourChanges: true,
      comments: 'slight blanching near the injection site',
    };
    const submitted = await as(test, patient).post(`/v1/appointments/${followUpId}/questionnaire`).send(answers).expect(201);
    expect(submitted.body).toMatchObject({ needsUrgentReview: true, answers });
    await as(test, patient).post(`/v1/appointments/${followUpId}/questionnaire`).send(answers).expect(409);
    const read = await as(test, setup.injector).get(`/v1/appointments/${followUpId}/questionnaire`).expect(200);
    expect(read.body).toMatchObject({ answers });
    await as(test, setup.frontDesk).get(`/v1/appointments/${followUpId}/questionnaire`).expect(403);
    await as(test, patient).post(`/v1/appointments/${treatmentId}/questionnaire`).send(answers).expect(400);
    const raw = await asOwner(test.database.url, (client) =>
      client.query<{ ciphertext: Buffer }>(`SELECT ciphertext FROM symptom_questionnaires WHERE appointment_id = $1`, [followUpId]),
    );
    expect(raw.rows[0]?.ciphertext.includes(Buffer.from('blanching'))).toBe(false);
  });
});

import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/dataSource.js';
import { withTenant } from '../../src/db/tenantTransaction.js';
import type { LoggedIn } from '../fixtures/identity.js';
import { loginAs } from '../fixtures/identity.js';
import { as, insertAppointment } from '../clinical/clinicalFixtures.js';
import type { BookablePractice } from '../scheduling/schedulingFixtures.js';
import { setUpBookablePractice } from '../scheduling/schedulingFixtures.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { clearForService, intakeContent, treatmentContent, treatmentVisit } from './chartFixtures.js';

const DAY_MS = 86_400_000;

/** 15:00 UTC (inside the fixture's New York working hours) `days` from now. */
function daysAhead(days: number): string {
  const date = new Date(Date.now() + days * DAY_MS);
  date.setUTCHours(15, 0, 0, 0);
  return date.toISOString();
}

async function owner<T>(test: TestApi, sql: string, params: unknown[]): Promise<T[]> {
  const result = await asOwner(test.database.url, (client) => client.query(sql, params));
  return result.rows as T[];
}

interface AuditRow {
  action: string;
  outcome: string;
  patient_id: string | null;
  metadata: Record<string, unknown> | null;
}

function auditRows(test: TestApi, practiceId: string, action: string): Promise<AuditRow[]> {
  return owner<AuditRow>(test, `SELECT action, outcome, patient_id, metadata FROM audit_events WHERE practice_id = $1 AND action = $2 ORDER BY seq`, [
    practiceId,
    action,
  ]);
}

describe('the chart: intake, treatments, exam validity, timeline, review, adverse events', () => {
  let test: TestApi;
  let setup: BookablePractice;
  let practiceId: string;
  let patient: LoggedIn;
  let director: LoggedIn;
  let stranger: LoggedIn;

  beforeAll(async () => {
    test = await startTestApi();
    setup = await setUpBookablePractice(test);
    practiceId = setup.practice.id;
    patient = await loginAs(test, setup.practice.slug, 'patient', { givenName: 'Maya', familyName: 'Intake' });
    director = await loginAs(test, setup.practice.slug, 'medical_director');
    // An injector with no appointment with this patient: not on the care team.
    stranger = await loginAs(test, setup.practice.slug, 'injector');
    await asOwner(test.database.url, (client) =>
      client.query(
        `INSERT INTO provider_profiles (practice_id, user_id, credential, specialties, time_zone)
         VALUES ($1, $2, 'MD', ARRAY['aesthetics'], 'America/New_York') ON CONFLICT DO NOTHING`,
        [practiceId, director.userId],
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await test.close();
  });

  it('shows patient names on the schedule and audits the name read', async () => {
    const visit = await insertAppointment(test, practiceId, {
      providerId: setup.injector.userId,
      patientId: patient.userId,
      kind: 'gfe',
      startsAt: new Date(Date.now() + DAY_MS),
      status: 'booked',
    });
    const from = new Date(Date.now()).toISOString();
    const to = new Date(Date.now() + 3 * DAY_MS).toISOString();
    const listed = await as(test, setup.injector).get(`/v1/appointments?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(listed.status).toBe(200);
    const row = (listed.body as { appointments: { id: string; patientName: string }[] }).appointments.find((a) => a.id === visit);
    expect(row?.patientName).toBe('Maya Intake');
    const audits = await owner<{ metadata: Record<string, unknown> }>(
      test,
      `SELECT metadata FROM audit_events WHERE practice_id = $1 AND action = 'appointment.list' AND entity_id = $2`,
      [practiceId, visit],
    );
    expect(audits[0]?.metadata).toEqual({ patient_name: true });
  });

  it('versions the intake, encrypts it at rest and limits it to the care team', async () => {
    const url = `/v1/patients/${patient.userId}/intake`;
    expect((await as(test, patient).get(url)).body).toEqual({ intake: null });
    const first = await as(test, patient).put(url).send({ expectedVersion: 0, content: intakeContent('Isotretinoin-secret') });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: 1, content: { medications: 'Isotretinoin-secret' } });
    const stale = await as(test, patient).put(url).send({ expectedVersion: 0, content: intakeContent('x') });
    expect(stale.status).toBe(409);
    const second = await as(test, patient).put(url).send({ expectedVersion: 1, content: intakeContent('Metformin-secret') });
    expect(second.body).toMatchObject({ version: 2 });

    const raw = await owner<{ ciphertext: Buffer; version: number }>(
      test,
      `SELECT v.ciphertext, v.version FROM intake_form_versions v JOIN intake_forms f ON f.id = v.intake_id WHERE f.patient_id = $1 ORDER BY v.version`,
      [patient.userId],
    );
    expect(raw.map((row) => row.version)).toEqual([1, 2]);
    for (const row of raw) {
      expect(row.ciphertext.toString('latin1')).not.toContain('secret');
      expect(row.ciphertext.toString('latin1')).not.toContain('Penicillin');
    }

    // The injector has a visit with the patient (previous test): on the care team.
    const read = await as(test, setup.injector).get(url);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ intake: { version: 2, content: { medications: 'Metformin-secret' } } });
    const old = await as(test, setup.injector).get(`${url}?version=1`);
    expect(old.body).toMatchObject({ intake: { version: 1, content: { medications: 'Isotretinoin-secret' } } });
    const versions = await as(test, setup.injector).get(`${url}/versions`);
    expect((versions.body as { versions: { version: number }[] }).versions.map((v) => v.version)).toEqual([2, 1]);

    const refused = await as(test, stranger).get(url);
    expect(refused.status).toBe(403);
    expect((refused.body as { code: string }).code).toBe('not_on_care_team');
    const denied = (await auditRows(test, practiceId, 'intake.read')).filter((row) => row.outcome === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]?.patient_id).toBe(patient.userId);
    expect((await as(test, setup.frontDesk).get(url)).status).toBe(403);
    // Only the patient writes their intake.
    expect((await as(test, setup.injector).put(url).send({ expectedVersion: 2, content: intakeContent('x') })).status).toBe(403);
    const writes = await auditRows(test, practiceId, 'intake.write');
    expect(writes.filter((row) => row.outcome === 'success').map((row) => row.metadata)).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('records a treatment only with a current Good Faith Exam clearance, sealed, then books its follow-up', async () => {
    const visit = await treatmentVisit(test, practiceId, setup.injector, patient);
    const refused = await as(test, setup.injector).post(`/v1/appointments/${visit}/treatment`).send(treatmentContent('LOT-A'));
    expect(refused.status).toBe(409);
    expect((refused.body as { code: string }).code).toBe('gfe_clearance_required');
    expect(await owner(test, `SELECT 1 FROM treatment_records WHERE appointment_id = $1`, [visit])).toHaveLength(0);

    await clearForService(test, practiceId, setup.injector, patient);
    const expired = await as(test, setup.injector).post(`/v1/appointments/${visit}/treatment`).send(treatmentContent('LOT-A', '2020-01-01'));
    expect(expired.status).toBe(422);
    const badSite = await as(test, setup.injector)
      .post(`/v1/appointments/${visit}/treatment`)
      .send({ ...treatmentContent('LOT-A'), sites: [{ x: 1.5, y: 0.2, label: 'Off the map', amount: 2 }] });
    expect(badSite.status).toBe(400);

    const recorded = await as(test, setup.injector).post(`/v1/appointments/${visit}/treatment`).send(treatmentContent('LOT-SECRET-77'));
    expect(recorded.status).toBe(201);
    const treatment = recorded.body as { id: string; content: { sites: unknown[]; lotNumber: string }; serviceCode: string };
    expect(treatment.content.lotNumber).toBe('LOT-SECRET-77');
    expect(treatment.content.sites).toHaveLength(2);
    expect(treatment.serviceCode).toBe('neuromodulator');
    const raw = await owner<{ ciphertext: Buffer }>(test, `SELECT ciphertext FROM treatment_records WHERE id = $1`, [treatment.id]);
    expect(raw[0]?.ciphertext.toString('latin1')).not.toContain('LOT-SECRET');
    expect(raw[0]?.ciphertext.toString('latin1')).not.toContain('Glabella');
    expect((await as(test, setup.injector).post(`/v1/appointments/${visit}/treatment`).send(treatmentContent('LOT-B'))).status).toBe(409);
    expect((await as(test, stranger).get(`/v1/treatments/${treatment.id}`)).status).toBe(403);

    // GFE -> treatment -> follow-up: booked from the treatment record.
    const followUp = await as(test, setup.injector)
      .post(`/v1/treatments/${treatment.id}/follow-ups`)
      .send({ appointmentTypeId: setup.followUpTypeId, startsAt: daysAhead(14), patientState: 'NY', patientTimeZone: 'America/New_York' });
    expect(followUp.status).toBe(201);
    const followUpId = (followUp.body as { id: string }).id;
    const link = await owner<{ treatment_record_id: string }>(test, `SELECT treatment_record_id FROM follow_ups WHERE follow_up_appointment_id = $1`, [
      followUpId,
    ]);
    expect(link[0]?.treatment_record_id).toBe(treatment.id);
    const read = await as(test, setup.injector).get(`/v1/treatments/${treatment.id}`);
    expect((read.body as { followUps: { appointmentId: string }[] }).followUps.map((f) => f.appointmentId)).toEqual([followUpId]);
    // A follow-up "after a GFE" is refused with the way forward.
    const gfe = await insertAppointment(test, practiceId, { providerId: setup.injector.userId, patientId: patient.userId, kind: 'gfe' });
    const wrong = await as(test, setup.injector)
      .post(`/v1/appointments/${gfe}/follow-ups`)
      .send({ appointmentTypeId: setup.followUpTypeId, startsAt: daysAhead(15), patientState: 'NY', patientTimeZone: 'America/New_York' });
    expect(wrong.status).toBe(400);
    expect((wrong.body as { message: string }).message).toContain('record the treatment');
  });

  it('applies the medical director’s validity rule: before every treatment, or N months', async () => {
    expect((await as(test, setup.injector).put('/v1/gfe-validity/default').send({ mode: 'every_treatment' })).status).toBe(403);
    const set = await as(test, director).put('/v1/gfe-validity/CT').send({ mode: 'every_treatment' });
    expect(set.status).toBe(200);
    // Fixture treatment visits are in CT; the last clearance was used by the previous test.
    const visit = await treatmentVisit(test, practiceId, setup.injector, patient);
    const refused = await as(test, setup.injector).post(`/v1/appointments/${visit}/treatment`).send(treatmentContent('LOT-C'));
    expect(refused.status).toBe(409);
    const timeline = await as(test, setup.injector).get(`/v1/patients/${patient.userId}/timeline`);
    expect((timeline.body as { exams: { serviceCode: string; current: boolean; everyTreatment: boolean }[] }).exams).toEqual([
      expect.objectContaining({ serviceCode: 'neuromodulator', current: false, everyTreatment: true }),
    ]);
    await clearForService(test, practiceId, setup.injector, patient);
    expect((await as(test, setup.injector).post(`/v1/appointments/${visit}/treatment`).send(treatmentContent('LOT-C'))).status).toBe(201);

    // One month: a clearance decided three days ago still holds.
    expect((await as(test, director).put('/v1/gfe-validity/CT').send({ mode: 'months', months: 1 })).status).toBe(200);
    const rules = await as(test, setup.injector).get('/v1/gfe-validity');
    expect((rules.body as { rules: unknown[] }).rules).toEqual([expect.objectContaining({ state: 'CT', validity: { mode: 'months', months: 1 } })]);
    const again = await treatmentVisit(test, practiceId, setup.injector, patient);
    expect((await as(test, setup.injector).post(`/v1/appointments/${again}/treatment`).send(treatmentContent('LOT-D'))).status).toBe(201);
    const writes = await auditRows(test, practiceId, 'gfe_validity.write');
    // The injector was refused by the route's role list, before any record was touched.
    expect(writes.map((row) => row.outcome)).toEqual(['success', 'success']);
  });

  it('gives the provider a timeline with answers, treatments and exams', async () => {
    const timeline = await as(test, setup.injector).get(`/v1/patients/${patient.userId}/timeline`);
    expect(timeline.status).toBe(200);
    const body = timeline.body as { patient: { name: string }; treatments: unknown[]; intake: { version: number }; notes: unknown[]; visits: unknown[] };
    expect(body.patient.name).toBe('Maya Intake');
    expect(body.treatments).toHaveLength(3);
    expect(body.intake.version).toBe(2);
    expect(body.notes.length).toBeGreaterThanOrEqual(2);
    expect((await as(test, stranger).get(`/v1/patients/${patient.userId}/timeline`)).status).toBe(403);
    expect((await auditRows(test, practiceId, 'timeline.read')).map((row) => row.outcome)).toEqual(['success', 'success', 'denied']);
  });

  it('samples signed charts for review, due in 72 h, co-signed or returned with comments', async () => {
    expect((await as(test, director).get('/v1/chart-review/settings')).body).toMatchObject({ samplePercent: 10 });
    expect((await as(test, director).put('/v1/chart-review/settings').send({ samplePercent: 100 })).status).toBe(200);
    const queue = await as(test, director).get('/v1/chart-review/queue');
    const reviews = (queue.body as { reviews: { id: string; status: string; patientName: string; signedAt: string; dueAt: string }[] }).reviews;
    // The two Good Faith Exam notes signed above.
    expect(reviews).toHaveLength(2);
    const [first, second] = reviews;
    if (first === undefined || second === undefined) throw new Error('queue too short');
    expect(first.patientName).toBe('Maya Intake');
    expect(Date.parse(first.dueAt) - Date.parse(first.signedAt)).toBe(72 * 3_600_000);
    const noComment = await as(test, director).post(`/v1/chart-reviews/${first.id}/decision`).send({ decision: 'return' });
    expect(noComment.status).toBe(400);
    const cosigned = await as(test, director).post(`/v1/chart-reviews/${first.id}/decision`).send({ decision: 'cosign' });
    expect(cosigned.body).toMatchObject({ status: 'cosigned' });
    expect((await as(test, director).post(`/v1/chart-reviews/${first.id}/decision`).send({ decision: 'cosign' })).status).toBe(409);
    const returned = await as(test, director)
      .post(`/v1/chart-reviews/${second.id}/decision`)
      .send({ decision: 'return', comment: 'Document the dose-secret' });
    expect(returned.body).toMatchObject({ status: 'returned', comment: 'Document the dose-secret' });
    const raw = await owner<{ comment_ciphertext: Buffer }>(test, `SELECT comment_ciphertext FROM chart_reviews WHERE id = $1`, [second.id]);
    expect(raw[0]?.comment_ciphertext.toString('latin1')).not.toContain('secret');
    // The author sees the return and its comment in their own queue.
    const mine = await as(test, setup.injector).get('/v1/chart-review/queue');
    expect((mine.body as { reviews: { id: string; comment: string | null }[] }).reviews.find((r) => r.id === second.id)?.comment).toBe(
      'Document the dose-secret',
    );
    expect((await as(test, setup.injector).post(`/v1/chart-reviews/${second.id}/decision`).send({ decision: 'cosign' })).status).toBe(403);
    const decisions = await auditRows(test, practiceId, 'chart_review.decide');
    expect(decisions.filter((row) => row.outcome === 'success').map((row) => row.metadata)).toEqual([
      { decision: 'cosigned' },
      { decision: 'returned' },
    ]);
    expect(decisions.every((row) => row.patient_id === patient.userId)).toBe(true);
  });

  it('files an adverse event (sealed) that the medical director closes', async () => {
    const filed = await as(test, setup.injector)
      .post(`/v1/patients/${patient.userId}/adverse-events`)
      .send({ what: 'Ptosis-secret left eyelid', occurredAt: new Date(Date.now() - 3_600_000).toISOString(), severity: 'moderate', followUp: 'Apraclonidine drops' });
    expect(filed.status).toBe(201);
    const event = filed.body as { id: string; status: string };
    expect(event.status).toBe('open');
    const raw = await owner<{ ciphertext: Buffer }>(test, `SELECT ciphertext FROM adverse_events WHERE id = $1`, [event.id]);
    expect(raw[0]?.ciphertext.toString('latin1')).not.toContain('Ptosis');
    const future = await as(test, setup.injector)
      .post(`/v1/patients/${patient.userId}/adverse-events`)
      .send({ what: 'x', occurredAt: new Date(Date.now() + DAY_MS).toISOString(), severity: 'mild' });
    expect(future.status).toBe(400);
    expect(
      (await as(test, stranger).post(`/v1/patients/${patient.userId}/adverse-events`).send({ what: 'x', occurredAt: new Date().toISOString(), severity: 'mild' }))
        .status,
    ).toBe(403);
    expect((await as(test, setup.injector).post(`/v1/adverse-events/${event.id}/close`).send({ resolution: 'done' })).status).toBe(403);
    const closed = await as(test, director).post(`/v1/adverse-events/${event.id}/close`).send({ resolution: 'Resolved in 3 weeks' });
    expect(closed.body).toMatchObject({ status: 'closed', resolution: 'Resolved in 3 weeks', what: 'Ptosis-secret left eyelid' });
    const list = await as(test, director).get('/v1/adverse-events');
    expect((list.body as { events: { id: string; status: string }[] }).events).toEqual([expect.objectContaining({ id: event.id, status: 'closed' })]);
    expect((await auditRows(test, practiceId, 'adverse_event.close')).map((row) => row.outcome)).toEqual(['success']);
  });

  it('keeps the chart tables tenant-isolated and their records undeletable for the runtime role', async () => {
    const other = await setUpBookablePractice(test);
    const runtime: DataSource = createDataSource({ url: test.database.url, purpose: 'app', poolSize: 1 });
    await runtime.initialize();
    try {
      for (const table of ['intake_forms', 'intake_form_versions', 'treatment_records', 'chart_reviews', 'adverse_events', 'gfe_validity_rules']) {
        const own = await withTenant(runtime, practiceId, (tx) => tx.query<{ practice_id: string }[]>(`SELECT practice_id FROM ${table}`));
        expect(own.length).toBeGreaterThan(0);
        expect(new Set(own.map((row) => row.practice_id))).toEqual(new Set([practiceId]));
        expect(await withTenant(runtime, other.practice.id, (tx) => tx.query<unknown[]>(`SELECT 1 FROM ${table}`))).toEqual([]);
        expect(await runtime.query<unknown[]>(`SELECT 1 FROM ${table}`)).toEqual([]);
      }
      for (const table of ['intake_forms', 'intake_form_versions', 'treatment_records', 'chart_reviews', 'adverse_events']) {
        await expect(withTenant(runtime, practiceId, (tx) => tx.query(`DELETE FROM ${table}`))).rejects.toThrow(/permission denied/);
      }
      // Saved versions and treatment records are never edited.
      for (const [table, column] of [['intake_form_versions', 'created_at'], ['treatment_records', 'treated_at']] as const) {
        await expect(withTenant(runtime, practiceId, (tx) => tx.query(`UPDATE ${table} SET ${column} = now()`))).rejects.toThrow(/permission denied/);
      }
    } finally {
      await runtime.destroy();
    }
  });
});

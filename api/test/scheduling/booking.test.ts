import request from 'supertest';
import { bearer, loginAs } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { countRows, insertPatients, setUpBookablePractice } from './schedulingFixtures.js';
import type { BookablePractice } from './schedulingFixtures.js';

interface SlotBody {
  startsAt: string;
  endsAt: string;
  local: { date: string; time: string; offset: string; timeZone: string };
}

describe('scheduling: slots, booking, reschedule, cancel, licensure', () => {
  let test: TestApi;
  let setup: BookablePractice;
  let patient: LoggedIn;
  let otherPatient: LoggedIn;

  beforeAll(async () => {
    test = await startTestApi();
    setup = await setUpBookablePractice(test);
    patient = await loginAs(test, setup.practice.slug, 'patient');
    otherPatient = await loginAs(test, setup.practice.slug, 'patient');
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  const app = () => test.api.app;
  const book = (as: LoggedIn, body: Record<string, unknown>) =>
    request(app())
      .post('/v1/appointments')
      .set('authorization', bearer(as))
      .send({ providerId: setup.injector.userId, patientState: 'NY', patientTimeZone: 'America/New_York', ...body });
  const appointmentCount = () => countRows(test, `SELECT count(*) AS n FROM appointments`);

  it('offers slots that follow the provider zone across the 2027-03-14 DST change, shown in the patient zone', async () => {
    const response = await request(app())
      .get(`/v1/providers/${setup.injector.userId}/slots`)
      .query({ appointmentTypeId: setup.consultTypeId, from: '2027-03-13', to: '2027-03-14', timeZone: 'America/Los_Angeles', patientState: 'NY' })
      .set('authorization', bearer(patient))
      .expect(200);
    const slots = (response.body as { slots: SlotBody[] }).slots;
    const byDate = (date: string) => slots.filter((slot) => slot.local.date === date);
    // 09:00-17:00 New York: 30-minute visits every 15 minutes, 09:00 .. 16:30 = 31 slots a day.
    expect(byDate('2027-03-13')).toHaveLength(31);
    expect(byDate('2027-03-14')).toHaveLength(31);
    // Saturday 09:00 EST = 14:00Z; Sunday 09:00 EDT = 13:00Z (the shift happened at 02:00).
    expect(byDate('2027-03-13')[0]).toMatchObject({
      startsAt: '2027-03-13T14:00:00.000Z',
      endsAt: '2027-03-13T14:30:00.000Z',
      local: { time: '06:00', offset: '-08:00', timeZone: 'America/Los_Angeles' },
    });
    expect(byDate('2027-03-14')[0]).toMatchObject({ startsAt: '2027-03-14T13:00:00.000Z', local: { time: '06:00', offset: '-07:00' } });
  });

  it('follows the autumn change too (2027-11-07) and reads the patient’s days in the patient zone', async () => {
    const response = await request(app())
      .get(`/v1/providers/${setup.injector.userId}/slots`)
      .query({ appointmentTypeId: setup.followUpTypeId, from: '2027-11-06', to: '2027-11-07', timeZone: 'Asia/Tokyo', patientState: 'NY' })
      .set('authorization', bearer(patient))
      .expect(200);
    const slots = (response.body as { slots: SlotBody[] }).slots;
    // Tokyo's 11-06 starts at 2027-11-05T15:00Z (11:00 in New York, inside hours): the
    // search begins at the patient's midnight, not the provider's.
    expect(slots[0]).toMatchObject({ startsAt: '2027-11-05T15:00:00.000Z', local: { date: '2027-11-06', time: '00:00', offset: '+09:00' } });
    const starts = slots.map((slot) => slot.startsAt);
    expect(starts).toContain('2027-11-06T13:00:00.000Z'); // Sat 09:00 EDT
    expect(starts).not.toContain('2027-11-07T13:00:00.000Z'); // Sun 08:00 EST: before hours now
    expect(starts).toContain('2027-11-07T14:00:00.000Z'); // Sun 09:00 EST
    // 10-minute follow-ups step every 10 minutes.
    expect(Date.parse(starts[1] ?? '') - Date.parse(starts[0] ?? '')).toBe(10 * 60_000);
  });

  it('offers nothing in a state where the provider holds no license', async () => {
    const response = await request(app())
      .get(`/v1/providers/${setup.injector.userId}/slots`)
      .query({ appointmentTypeId: setup.consultTypeId, from: '2027-04-05', to: '2027-04-05', timeZone: 'America/Los_Angeles', patientState: 'CA' })
      .set('authorization', bearer(patient))
      .expect(200);
    expect((response.body as { slots: unknown[] }).slots).toEqual([]);
  });

  it('books for the patient with a join link, records the stated location and audits it', async () => {
    const response = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-05T14:00:00Z' }).expect(201);
    const body = response.body as Record<string, unknown>;
    expect(body).toMatchObject({
      patientId: patient.userId,
      providerId: setup.injector.userId,
      kind: 'virtual_consult',
      startsAt: '2027-04-05T14:00:00.000Z',
      endsAt: '2027-04-05T14:30:00.000Z',
      status: 'booked',
      patientState: 'NY',
      local: { date: '2027-04-05', time: '10:00', offset: '-04:00' },
    });
    expect(body.joinPath).toBe(`/visit/${String(body.id)}`);
    const audits = await asOwner(test.database.url, (client) =>
      client.query<{ action: string; outcome: string; patient_id: string; entity_id: string }>(
        `SELECT action, outcome, patient_id, entity_id FROM audit_events WHERE action = 'appointment.book'`,
      ),
    );
    expect(audits.rows).toEqual([{ action: 'appointment.book', outcome: 'success', patient_id: patient.userId, entity_id: body.id }]);
  });

  it('refuses the same slot with 409 slot_taken and writes nothing but a failure audit event', async () => {
    const before = await appointmentCount();
    const response = await book(setup.frontDesk, {
      appointmentTypeId: setup.consultTypeId,
      patientId: otherPatient.userId,
      startsAt: '2027-04-05T14:00:00Z',
    }).expect(409);
    expect(response.body).toEqual({ code: 'slot_taken', message: 'That time is no longer available' });
    expect(await appointmentCount()).toBe(before);
    expect(await countRows(test, `SELECT count(*) AS n FROM appointments WHERE patient_id = $1`, [otherPatient.userId])).toBe(0);
    expect(
      await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'appointment.book' AND outcome = 'failure' AND patient_id = $1`, [
        otherPatient.userId,
      ]),
    ).toBe(1);
  });

  it('keeps the buffer after a visit free, then allows the next visit', async () => {
    // The consult ends 14:30 with a 10-minute buffer: 14:35 overlaps it, 14:40 does not.
    await book(setup.frontDesk, { appointmentTypeId: setup.followUpTypeId, patientId: otherPatient.userId, startsAt: '2027-04-05T14:35:00Z' }).expect(409);
    const followUp = await book(setup.frontDesk, {
      appointmentTypeId: setup.followUpTypeId,
      patientId: otherPatient.userId,
      startsAt: '2027-04-05T14:40:00Z',
    }).expect(201);
    expect(followUp.body).toMatchObject({ kind: 'follow_up', endsAt: '2027-04-05T14:50:00.000Z' });
  });

  it('refuses times outside working hours, in the past, and off the minute', async () => {
    const outside = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-05T21:45:00Z' }).expect(409);
    expect(outside.body).toMatchObject({ code: 'outside_availability' });
    const past = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2020-04-06T14:00:00Z' }).expect(422);
    expect(past.body).toMatchObject({ code: 'slot_in_past' });
    const ragged = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-06T14:00:30Z' }).expect(400);
    expect(ragged.body).toMatchObject({ code: 'start_not_on_minute' });
  });

  it('refuses a provider unlicensed in the patient’s state, or whose license has expired by then', async () => {
    const before = await appointmentCount();
    const elsewhere = await book(patient, {
      appointmentTypeId: setup.consultTypeId,
      startsAt: '2027-04-07T14:00:00Z',
      patientState: 'CA',
      patientTimeZone: 'America/Los_Angeles',
    }).expect(422);
    expect(elsewhere.body).toMatchObject({ code: 'provider_not_licensed' });
    // The NY license runs through 2028-12-31 (New York dates).
    const expired = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2029-01-02T15:00:00Z' }).expect(422);
    expect(expired.body).toMatchObject({ code: 'provider_not_licensed' });
    expect(await appointmentCount()).toBe(before);
  });

  it('lets staff book only for an existing patient, and patients only for themselves', async () => {
    await book(setup.frontDesk, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-08T14:00:00Z' })
      .expect(400)
      .expect((response) => { expect(response.body).toMatchObject({ code: 'patient_required' }); });
    await book(patient, { appointmentTypeId: setup.consultTypeId, patientId: otherPatient.userId, startsAt: '2027-04-08T14:00:00Z' }).expect(403);
    await book(setup.frontDesk, { appointmentTypeId: setup.consultTypeId, patientId: setup.admin.userId, startsAt: '2027-04-08T14:00:00Z' }).expect(404);
  });

  it('reschedules atomically: a taken target leaves the visit untouched, a free one moves it with the same id', async () => {
    const created = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-09T14:00:00Z' }).expect(201);
    const id = (created.body as { id: string }).id;
    await book(setup.frontDesk, { appointmentTypeId: setup.consultTypeId, patientId: otherPatient.userId, startsAt: '2027-04-09T16:00:00Z' }).expect(201);
    const clash = await request(app())
      .post(`/v1/appointments/${id}/reschedule`)
      .set('authorization', bearer(patient))
      .send({ startsAt: '2027-04-09T16:15:00Z' })
      .expect(409);
    expect(clash.body).toMatchObject({ code: 'slot_taken' });
    const unchanged = await request(app()).get(`/v1/appointments/${id}`).set('authorization', bearer(patient)).expect(200);
    expect(unchanged.body).toMatchObject({ startsAt: '2027-04-09T14:00:00.000Z', status: 'booked' });
    const moved = await request(app())
      .post(`/v1/appointments/${id}/reschedule`)
      .set('authorization', bearer(patient))
      .send({ startsAt: '2027-04-09T18:00:00Z' })
      .expect(200);
    expect(moved.body).toMatchObject({ id, startsAt: '2027-04-09T18:00:00.000Z', joinPath: `/visit/${id}` });
    // The old time is free again.
    await book(setup.frontDesk, { appointmentTypeId: setup.consultTypeId, patientId: otherPatient.userId, startsAt: '2027-04-09T14:00:00Z' }).expect(201);
  });

  it('cancels, freeing the slot for someone else; a cancelled visit cannot be cancelled again', async () => {
    const created = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-12T14:00:00Z' }).expect(201);
    const id = (created.body as { id: string }).id;
    await request(app()).post(`/v1/appointments/${id}/cancel`).set('authorization', bearer(patient)).expect(200);
    await request(app())
      .post(`/v1/appointments/${id}/cancel`)
      .set('authorization', bearer(patient))
      .expect(409)
      .expect((response) => { expect(response.body).toMatchObject({ code: 'appointment_not_active' }); });
    await book(setup.frontDesk, { appointmentTypeId: setup.consultTypeId, patientId: otherPatient.userId, startsAt: '2027-04-12T14:00:00Z' }).expect(201);
  });

  it('keeps appointments private: another patient gets 404, the injector sees only their own schedule', async () => {
    const created = await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-13T14:00:00Z' }).expect(201);
    const id = (created.body as { id: string }).id;
    await request(app()).get(`/v1/appointments/${id}`).set('authorization', bearer(otherPatient)).expect(404);
    await request(app()).post(`/v1/appointments/${id}/cancel`).set('authorization', bearer(otherPatient)).expect(404);
    const own = await request(app())
      .get('/v1/appointments')
      .query({ from: '2027-04-01T00:00:00Z', to: '2027-05-01T00:00:00Z' })
      .set('authorization', bearer(patient))
      .expect(200);
    const ownList = (own.body as { appointments: { patientId: string }[] }).appointments;
    expect(ownList.length).toBeGreaterThan(0);
    expect(ownList.every((appointment) => appointment.patientId === patient.userId)).toBe(true);
    const otherInjector = await loginAs(test, setup.practice.slug, 'injector');
    await request(app())
      .get('/v1/appointments')
      .query({ from: '2027-04-01T00:00:00Z', to: '2027-05-01T00:00:00Z', providerId: setup.injector.userId })
      .set('authorization', bearer(otherInjector))
      .expect(403);
    const reads = await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'appointment.list' AND patient_id = $1`, [
      patient.userId,
    ]);
    expect(reads).toBe(ownList.length);
  });

  it('blocks time off and excludes it from slots', async () => {
    await request(app())
      .post(`/v1/providers/${setup.injector.userId}/time-off`)
      .set('authorization', bearer(setup.injector))
      .send({ startsAt: '2027-04-14T13:00:00Z', endsAt: '2027-04-14T21:00:00Z' })
      .expect(201);
    await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-14T15:00:00Z' })
      .expect(409)
      .expect((response) => { expect(response.body).toMatchObject({ code: 'outside_availability' }); });
    const response = await request(app())
      .get(`/v1/providers/${setup.injector.userId}/slots`)
      .query({ appointmentTypeId: setup.consultTypeId, from: '2027-04-14', to: '2027-04-14', timeZone: 'America/New_York', patientState: 'NY' })
      .set('authorization', bearer(patient))
      .expect(200);
    expect((response.body as { slots: unknown[] }).slots).toEqual([]);
  });

  it('closes a started visit as completed (its provider) or no-show, and not a future one', async () => {
    const [pastPatient] = await insertPatients(test, setup.practice.id, 1);
    const past = await asOwner(test.database.url, (client) =>
      client.query<{ id: string }>(
        `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, starts_at, ends_at,
           occupied, patient_state, patient_time_zone)
         VALUES ($1, $2, $3, $4, 'virtual_consult', now() - interval '1 hour', now() - interval '30 minutes',
           tstzrange(now() - interval '1 hour', now() - interval '20 minutes'), 'NY', 'America/New_York') RETURNING id`,
        [setup.practice.id, setup.consultTypeId, setup.injector.userId, pastPatient],
      ),
    );
    const pastId = past.rows[0]?.id ?? '';
    await request(app()).post(`/v1/appointments/${pastId}/complete`).set('authorization', bearer(setup.frontDesk)).expect(404);
    const completed = await request(app()).post(`/v1/appointments/${pastId}/complete`).set('authorization', bearer(setup.injector)).expect(200);
    expect(completed.body).toMatchObject({ status: 'completed' });
    await request(app())
      .post(`/v1/appointments/${pastId}/no-show`)
      .set('authorization', bearer(setup.frontDesk))
      .expect(409)
      .expect((response) => { expect(response.body).toMatchObject({ code: 'appointment_not_active' }); });
    const future = await book(patient, { appointmentTypeId: setup.followUpTypeId, startsAt: '2027-04-15T14:00:00Z' }).expect(201);
    await request(app())
      .post(`/v1/appointments/${(future.body as { id: string }).id}/no-show`)
      .set('authorization', bearer(setup.frontDesk))
      .expect(409)
      .expect((response) => { expect(response.body).toMatchObject({ code: 'visit_not_started' }); });
    expect(await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'appointment.complete' AND entity_id = $1`, [pastId])).toBe(1);
  });

  it('refuses overlaps in the database itself, whatever the application does', async () => {
    const [patientId] = await insertPatients(test, setup.practice.id, 1);
    const attempt = asOwner(test.database.url, (client) =>
      client.query(
        `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, starts_at, ends_at,
           occupied, patient_state, patient_time_zone)
         VALUES ($1, $2, $3, $4, 'virtual_consult', '2027-04-05T14:10:00Z', '2027-04-05T14:20:00Z',
           tstzrange('2027-04-05T14:10:00Z', '2027-04-05T14:20:00Z'), 'NY', 'America/New_York')`,
        [setup.practice.id, setup.consultTypeId, setup.injector.userId, patientId],
      ),
    );
    await expect(attempt).rejects.toMatchObject({ code: '23P01', constraint: 'appointments_no_provider_overlap' });
  });

  it('validates input before SQL: bad uuids, zones and states are 400s', async () => {
    await book(patient, { appointmentTypeId: 'not-a-uuid', startsAt: '2027-04-05T14:00:00Z' }).expect(400);
    await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-05T14:00:00Z', patientTimeZone: 'Mars/Base' }).expect(400);
    await book(patient, { appointmentTypeId: setup.consultTypeId, startsAt: '2027-04-05T14:00:00Z', patientState: 'XX' }).expect(400);
    await request(app())
      .get(`/v1/providers/${setup.injector.userId}/slots`)
      .query({ appointmentTypeId: setup.consultTypeId, from: '2027-04-01', to: '2027-06-30', timeZone: 'UTC', patientState: 'NY' })
      .set('authorization', bearer(patient))
      .expect(400);
  });
});

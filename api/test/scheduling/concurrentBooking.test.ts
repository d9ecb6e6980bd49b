import type { Server } from 'node:http';
import request from 'supertest';
import { bearer } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { countRows, insertPatients, setUpBookablePractice } from './schedulingFixtures.js';
import type { BookablePractice } from './schedulingFixtures.js';

const CONCURRENT_BOOKINGS = 220;
const SLOT = '2027-05-03T14:00:00Z';

describe('double-booking under concurrency', () => {
  let test: TestApi;
  let server: Server;
  let setup: BookablePractice;
  let patientIds: string[];

  beforeAll(async () => {
    // One client IP fires every request: lift the per-IP limit so 429s cannot mask the result.
    test = await startTestApi({ RATE_LIMIT_PER_MINUTE: '100000' });
    server = test.api.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    setup = await setUpBookablePractice(test, server);
    patientIds = await insertPatients(test, setup.practice.id, CONCURRENT_BOOKINGS);
  }, 120_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    await test.close();
  });

  it(`lets exactly one of ${CONCURRENT_BOOKINGS} simultaneous bookings of one slot succeed; the rest get 409, none 5xx`, async () => {
    const auth = bearer(setup.frontDesk);
    const responses = await Promise.all(
      patientIds.map((patientId) =>
        request(server).post('/v1/appointments').set('authorization', auth).send({
          appointmentTypeId: setup.consultTypeId,
          providerId: setup.injector.userId,
          patientId,
          startsAt: SLOT,
          patientState: 'NY',
          patientTimeZone: 'America/New_York',
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(CONCURRENT_BOOKINGS - 1);
    expect(statuses.filter((status) => status >= 500)).toHaveLength(0);
    for (const response of responses.filter((candidate) => candidate.status === 409)) {
      expect(response.body).toEqual({ code: 'slot_taken', message: 'That time is no longer available' });
    }

    // Exactly one appointment row exists, for the winner; the losers left nothing but one
    // failure audit event each (deliberately: an attempt to write a patient's schedule).
    const winner = responses.find((response) => response.status === 201)?.body as { id: string; patientId: string };
    expect(await countRows(test, `SELECT count(*) AS n FROM appointments`)).toBe(1);
    expect(await countRows(test, `SELECT count(*) AS n FROM appointments WHERE id = $1 AND patient_id = $2`, [winner.id, winner.patientId])).toBe(1);
    expect(await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'appointment.book' AND outcome = 'success'`)).toBe(1);
    expect(await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'appointment.book' AND outcome = 'failure'`)).toBe(
      CONCURRENT_BOOKINGS - 1,
    );
    expect(
      await countRows(test, `SELECT count(DISTINCT patient_id) AS n FROM audit_events WHERE action = 'appointment.book' AND outcome = 'failure'`),
    ).toBe(CONCURRENT_BOOKINGS - 1);
  }, 180_000);

  it('lets exactly one of 40 simultaneous reschedules into one slot win; the others stay where they were', async () => {
    const auth = bearer(setup.frontDesk);
    const movers = patientIds.slice(0, 40);
    // Distinct 10-minute follow-ups on 2027-05-04, 09:00-15:30 New York time.
    const originals = await Promise.all(
      movers.map(async (patientId, index) => {
        const startsAt = new Date(Date.parse('2027-05-04T13:00:00Z') + index * 10 * 60_000).toISOString();
        const response = await request(server).post('/v1/appointments').set('authorization', auth).send({
          appointmentTypeId: setup.followUpTypeId,
          providerId: setup.injector.userId,
          patientId,
          startsAt,
          patientState: 'NY',
          patientTimeZone: 'America/New_York',
        });
        expect(response.status).toBe(201);
        return { id: (response.body as { id: string }).id, startsAt: new Date(startsAt).toISOString() };
      }),
    );
    const target = '2027-05-05T15:00:00Z';
    const responses = await Promise.all(
      originals.map(({ id }) => request(server).post(`/v1/appointments/${id}/reschedule`).set('authorization', auth).send({ startsAt: target })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(originals.length - 1);
    const rows = await asOwner(test.database.url, (client) =>
      client.query<{ id: string; starts_at: Date }>(`SELECT id, starts_at FROM appointments WHERE id = ANY($1::uuid[])`, [
        originals.map(({ id }) => id),
      ]),
    );
    const movedCount = rows.rows.filter((row) => row.starts_at.toISOString() === new Date(target).toISOString()).length;
    expect(movedCount).toBe(1);
    for (const original of originals) {
      const row = rows.rows.find((candidate) => candidate.id === original.id);
      const moved = row?.starts_at.toISOString() === new Date(target).toISOString();
      if (!moved) expect(row?.starts_at.toISOString()).toBe(original.startsAt);
    }
  }, 180_000);
});

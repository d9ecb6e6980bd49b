import { randomUUID } from 'node:crypto';
import type { SfuRoomEvent } from '@medspa/shared-types';
import { loginAs } from '../fixtures/identity.js';
import { as, auditActionsFor, insertAppointment, seedClinic } from '../clinical/clinicalFixtures.js';
import type { Clinic } from '../clinical/clinicalFixtures.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';

describe('GET /v1/waiting-room (live "patient waiting" alert)', () => {
  let test: TestApi;
  let clinic: Clinic;

  beforeAll(async () => {
    test = await startTestApi();
    clinic = await seedClinic(test);
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  const event = (type: SfuRoomEvent['type'], appointmentId: string): SfuRoomEvent => ({
    eventId: randomUUID(),
    type,
    practiceId: clinic.practice.id,
    appointmentId,
    userId: clinic.patient.userId,
    role: 'patient',
    peerId: randomUUID(),
    occurredAt: new Date().toISOString(),
  });

  it('lists a waiting patient by name and visit for their provider and staff, audits each name, and drops them once admitted', async () => {
    const board = test.api.services.waitingRoom;
    const appointmentId = await insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'gfe',
      startsAt: new Date(Date.now() + 10 * 60_000),
      minutes: 20,
      status: 'booked',
    });
    const empty = await as(test, clinic.provider).get('/v1/waiting-room');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ waiting: [] });

    await board.observe(event('room.join', appointmentId));
    const listed = await as(test, clinic.provider).get('/v1/waiting-room');
    expect(listed.status).toBe(200);
    const [alert] = (listed.body as { waiting: { patientName: string; visitName: string; appointmentId: string }[] }).waiting;
    expect(alert).toMatchObject({ appointmentId, visitName: 'Good Faith Exam' });
    expect(alert?.patientName.length).toBeGreaterThan(1);
    expect(await auditActionsFor(test, clinic.practice.id, appointmentId)).toContain('waiting_room.read');

    // Another injector does not see this provider's waiting patient; the front desk does; patients may not ask.
    const other = await loginAs(test, clinic.practice.slug, 'injector');
    expect(((await as(test, other).get('/v1/waiting-room')).body as { waiting: unknown[] }).waiting).toEqual([]);
    const desk = await loginAs(test, clinic.practice.slug, 'front_desk');
    expect(((await as(test, desk).get('/v1/waiting-room')).body as { waiting: unknown[] }).waiting).toHaveLength(1);
    expect((await as(test, clinic.patient).get('/v1/waiting-room')).status).toBe(403);

    await board.admitted(clinic.practice.id, appointmentId, clinic.patient.userId);
    expect(((await as(test, clinic.provider).get('/v1/waiting-room')).body as { waiting: unknown[] }).waiting).toEqual([]);
    // A rejoin after a drop goes straight back into the consult: no new alert.
    await board.observe(event('room.join', appointmentId));
    expect(((await as(test, clinic.provider).get('/v1/waiting-room')).body as { waiting: unknown[] }).waiting).toEqual([]);
  });

  it('forgets a patient who left the waiting room', async () => {
    const board = test.api.services.waitingRoom;
    const appointmentId = await insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'virtual_consult',
      startsAt: new Date(Date.now() + 50 * 60_000),
      minutes: 20,
      status: 'booked',
    });
    await board.observe(event('room.join', appointmentId));
    expect(((await as(test, clinic.provider).get('/v1/waiting-room')).body as { waiting: unknown[] }).waiting).toHaveLength(1);
    await board.observe(event('room.leave', appointmentId));
    expect(((await as(test, clinic.provider).get('/v1/waiting-room')).body as { waiting: unknown[] }).waiting).toEqual([]);
  });
});

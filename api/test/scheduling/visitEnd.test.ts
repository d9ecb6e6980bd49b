import { loginAs } from '../fixtures/identity.js';
import { as, auditActionsFor, insertAppointment, seedClinic } from '../clinical/clinicalFixtures.js';
import type { Clinic } from '../clinical/clinicalFixtures.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

describe('POST /v1/appointments/:id/end', () => {
  let test: TestApi;
  let clinic: Clinic;

  beforeAll(async () => {
    test = await startTestApi();
    clinic = await seedClinic(test);
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  const visit = (startsAt: Date, status = 'checked_in'): Promise<string> =>
    insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'gfe',
      startsAt,
      minutes: 20,
      status,
    });
  const stored = async (id: string) =>
    (
      await asOwner(test.database.url, (client) =>
        client.query<{ status: string; visit_outcome: string | null; ended_by: string | null }>(
          'SELECT status, visit_outcome, ended_by FROM appointments WHERE id = $1',
          [id],
        ),
      )
    ).rows[0];

  it('records each outcome, moves the status and audits appointment.end', async () => {
    const cases = [
      ['completed', 'completed'],
      ['ended_early', 'completed'],
      ['no_show', 'no_show'],
    ] as const;
    for (const [index, [outcome, status]] of cases.entries()) {
      // Started visits, spaced so the provider's exclusion constraint never meets them.
      const id = await visit(new Date(Date.now() - (index + 1) * 25 * 60_000));
      const response = await as(test, clinic.provider).post(`/v1/appointments/${id}/end`).send({ outcome });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ appointmentId: id, status, outcome });
      expect(await stored(id)).toEqual({ status, visit_outcome: outcome, ended_by: clinic.provider.userId });
      expect(await auditActionsFor(test, clinic.practice.id, id)).toContain('appointment.end');
      // Closed once: a second end is a conflict and changes nothing.
      const again = await as(test, clinic.provider).post(`/v1/appointments/${id}/end`).send({ outcome: 'completed' });
      expect(again.status).toBe(409);
      expect(await stored(id)).toEqual({ status, visit_outcome: outcome, ended_by: clinic.provider.userId });
    }
  });

  it('refuses anyone but the visit’s provider (404), a room not open yet (409) and bad outcomes (400)', async () => {
    const id = await visit(new Date(Date.now() - 60_000));
    const director = await loginAs(test, clinic.practice.slug, 'medical_director');
    expect((await as(test, director).post(`/v1/appointments/${id}/end`).send({ outcome: 'completed' })).status).toBe(404);
    expect((await as(test, clinic.patient).post(`/v1/appointments/${id}/end`).send({ outcome: 'completed' })).status).toBe(403);
    const bad = await as(test, clinic.provider).post(`/v1/appointments/${id}/end`).send({ outcome: 'finished' });
    expect(bad.status).toBe(400);
    expect(await stored(id)).toEqual({ status: 'checked_in', visit_outcome: null, ended_by: null });

    const later = await visit(new Date(Date.now() + 2 * 3_600_000));
    const early = await as(test, clinic.provider).post(`/v1/appointments/${later}/end`).send({ outcome: 'no_show' });
    expect(early.status).toBe(409);
    expect((early.body as { code: string }).code).toBe('visit_not_started');
  });
});

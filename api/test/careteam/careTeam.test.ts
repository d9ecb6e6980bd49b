import request from 'supertest';
import { as, ensureProviderProfile, insertAppointment, seedClinic } from '../clinical/clinicalFixtures.js';
import type { Clinic } from '../clinical/clinicalFixtures.js';
import { bearer, loginAs } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

const SOAP = { subjective: 's', objective: 'o', assessment: 'a', plan: 'p', patientSummary: 'summary' };
const DAY_MS = 86_400_000;

interface AuditRow {
  action: string;
  outcome: string;
  entity_type: string | null;
  entity_id: string | null;
  patient_id: string | null;
  metadata: Record<string, unknown> | null;
}

describe('care team and break-glass', () => {
  let test: TestApi;
  let clinic: Clinic;
  let noteId: string;
  let outsider: LoggedIn;
  let admin: LoggedIn;
  let director: LoggedIn;
  let compliance: LoggedIn;

  async function auditOf(userId: string): Promise<AuditRow[]> {
    const rows = await asOwner(test.database.url, (client) =>
      client.query<AuditRow>(
        `SELECT action, outcome, entity_type, entity_id, patient_id, metadata FROM audit_events WHERE actor_user_id = $1 ORDER BY seq`,
        [userId],
      ),
    );
    return rows.rows;
  }

  beforeAll(async () => {
    test = await startTestApi();
    clinic = await seedClinic(test);
    const appointmentId = await insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'virtual_consult',
    });
    const created = await as(test, clinic.provider).post(`/v1/appointments/${appointmentId}/note`).send({ template: 'soap', content: SOAP }).expect(201);
    noteId = (created.body as { id: string }).id;
    outsider = await loginAs(test, clinic.practice.slug, 'injector');
    admin = await loginAs(test, clinic.practice.slug, 'admin');
    director = await loginAs(test, clinic.practice.slug, 'medical_director');
    compliance = await loginAs(test, clinic.practice.slug, 'compliance_officer');
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  it('keeps an injector without a relation out, and lets the medical director in by role policy', async () => {
    const refused = await as(test, outsider).get(`/v1/notes/${noteId}`).expect(403);
    expect(refused.body).toMatchObject({ code: 'not_on_care_team' });
    await as(test, director).get(`/v1/notes/${noteId}`).expect(200);
    const denied = (await auditOf(outsider.userId)).filter((row) => row.action === 'note.read');
    expect(denied).toEqual([expect.objectContaining({ outcome: 'denied', patient_id: clinic.patient.userId, entity_id: noteId })]);
  });

  it('does not count an appointment that ended more than 12 months ago', async () => {
    const old = await loginAs(test, clinic.practice.slug, 'injector');
    await ensureProviderProfile(test, clinic.practice.id, old.userId);
    await insertAppointment(test, clinic.practice.id, {
      providerId: old.userId,
      patientId: clinic.patient.userId,
      kind: 'virtual_consult',
      startsAt: new Date(Date.now() - 400 * DAY_MS),
    });
    await as(test, old).get(`/v1/notes/${noteId}`).expect(403);
    const upcoming = await loginAs(test, clinic.practice.slug, 'injector');
    await ensureProviderProfile(test, clinic.practice.id, upcoming.userId);
    await insertAppointment(test, clinic.practice.id, {
      providerId: upcoming.userId,
      patientId: clinic.patient.userId,
      kind: 'virtual_consult',
      status: 'booked',
      startsAt: new Date(Date.now() + 30 * DAY_MS),
    });
    await as(test, upcoming).get(`/v1/notes/${noteId}`).expect(200);
  });

  it('admits an explicitly assigned provider until the assignment ends (audited)', async () => {
    const covering = await loginAs(test, clinic.practice.slug, 'injector');
    const path = `/v1/patients/${clinic.patient.userId}/care-team`;
    await as(test, covering).get(`/v1/notes/${noteId}`).expect(403);
    const assigned = await as(test, admin).post(path).send({ providerId: covering.userId }).expect(201);
    expect(assigned.body).toMatchObject({ providerId: covering.userId, assignedBy: admin.userId, endedAt: null });
    await as(test, director).post(path).send({ providerId: covering.userId }).expect(409);
    await as(test, admin).post(path).send({ providerId: admin.userId }).expect(404);
    await as(test, covering).get(`/v1/notes/${noteId}`).expect(200);
    const listed = await as(test, director).get(path).expect(200);
    expect((listed.body as { assignments: { providerId: string }[] }).assignments.map((a) => a.providerId)).toContain(covering.userId);

    await request(test.api.app).delete(`${path}/${covering.userId}`).set('authorization', bearer(director)).expect(204);
    await request(test.api.app).delete(`${path}/${covering.userId}`).set('authorization', bearer(director)).expect(404);
    await as(test, covering).get(`/v1/notes/${noteId}`).expect(403);

    const adminEvents = await auditOf(admin.userId);
    expect(adminEvents).toContainEqual(
      expect.objectContaining({ action: 'care_team.assign', outcome: 'success', entity_type: 'care_team_assignment', patient_id: clinic.patient.userId }),
    );
    expect(await auditOf(director.userId)).toContainEqual(
      expect.objectContaining({ action: 'care_team.end', outcome: 'success', metadata: { provider_id: covering.userId } }),
    );
  });

  it('opens the record by break-glass for 60 minutes, audited as break_glass, reason kept out of the trail', async () => {
    const breaker = await loginAs(test, clinic.practice.slug, 'injector');
    const path = `/v1/patients/${clinic.patient.userId}/break-glass`;
    await as(test, breaker).post(path).send({ reason: 'short' }).expect(400);
    await as(test, breaker).post(path).send({ reason: 'Emergency \u0000 call' }).expect(400);
    await as(test, breaker).post(path).send({ reason: 'x'.repeat(501) }).expect(400);
    await as(test, clinic.patient).post(path).send({ reason: 'I would like to see it' }).expect(403);
    const reason = 'Patient called after hours with swelling near the eye';
    const granted = await as(test, breaker).post(path).send({ reason }).expect(201);
    const grant = granted.body as { id: string; grantedAt: string; expiresAt: string };
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt)).toBe(60 * 60_000);

    await as(test, breaker).get(`/v1/notes/${noteId}`).expect(200);
    await as(test, breaker).get(`/v1/patients/${clinic.patient.userId}/notes`).expect(200);
    const events = await auditOf(breaker.userId);
    expect(events.find((row) => row.action === 'access.break_glass')).toMatchObject({
      outcome: 'success',
      entity_type: 'break_glass_grant',
      entity_id: grant.id,
      patient_id: clinic.patient.userId,
      metadata: { reason_length: reason.length, expires_in_minutes: 60 },
    });
    const reads = events.filter((row) => row.action === 'note.read' || row.action === 'note.list');
    expect(reads.map((row) => row.metadata)).toEqual([{ access_basis: 'break_glass' }, { access_basis: 'break_glass' }]);
    // Past the care-team check, a refusal under the grant is still recorded as break-glass.
    await as(test, breaker).put(`/v1/notes/${noteId}`).send({ expectedVersion: 1, content: SOAP }).expect(403);
    expect((await auditOf(breaker.userId)).filter((row) => row.action === 'note.write')).toEqual([
      expect.objectContaining({ outcome: 'denied', patient_id: clinic.patient.userId, metadata: { access_basis: 'break_glass' } }),
    ]);
    const leaked = await asOwner(test.database.url, (client) => client.query(`SELECT 1 FROM audit_events WHERE metadata::text LIKE '%swelling%'`));
    expect(leaked.rowCount).toBe(0);

    // Expired grants open nothing (the owner moves the grant back in time).
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE break_glass_grants SET granted_at = granted_at - interval '2 hours', expires_at = expires_at - interval '2 hours' WHERE id = $1`, [grant.id]),
    );
    await as(test, breaker).get(`/v1/notes/${noteId}`).expect(403);

    // Compliance review lists who, which patient, why and when; patients and injectors cannot.
    const review = await as(test, compliance).get('/v1/break-glass').expect(200);
    const listed = (review.body as { grants: { id: string; user: { name: string; role: string }; patientId: string; reason: string; active: boolean }[] }).grants;
    expect(listed.find((row) => row.id === grant.id)).toMatchObject({
      user: { name: `${breaker.user.givenName} ${breaker.user.familyName}`, role: 'injector' },
      patientId: clinic.patient.userId,
      reason,
      active: false,
    });
    await as(test, admin).get('/v1/break-glass').query({ since: new Date(Date.now() - DAY_MS).toISOString() }).expect(200);
    await as(test, breaker).get('/v1/break-glass').expect(403);
    expect(await auditOf(compliance.userId)).toContainEqual(expect.objectContaining({ action: 'break_glass.list', outcome: 'success' }));
  });

  it('audits a route-level role refusal as access.denied naming the route, not its parameters', async () => {
    await as(test, clinic.patient).get('/v1/break-glass').expect(403);
    const refusals = (await auditOf(clinic.patient.userId)).filter((row) => row.action === 'access.denied');
    expect(refusals).toContainEqual(expect.objectContaining({ outcome: 'denied', entity_type: 'route', entity_id: 'GET /v1/break-glass' }));
    await as(test, clinic.patient).get(`/v1/notes/${noteId}`).expect(403);
    expect(await auditOf(clinic.patient.userId)).toContainEqual(
      expect.objectContaining({ action: 'access.denied', entity_id: 'GET /v1/notes/:noteId', patient_id: null }),
    );
  });
});

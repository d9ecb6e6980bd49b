import request from 'supertest';
import { recordAudit } from '../../src/audit/auditWriter.js';
import { withTenant } from '../../src/db/tenantTransaction.js';
import { loginAs } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import type { Clinic } from './clinicalFixtures.js';
import { as, insertAppointment, seedClinic } from './clinicalFixtures.js';

const SOAP = {
  subjective: 'clinician-only subjective',
  objective: 'clinician-only objective',
  assessment: 'clinician-only assessment',
  plan: 'clinician-only plan',
  patientSummary: 'Treated forehead lines; avoid lying down for four hours.',
};

describe('patient views, referrals, KPI funnel and provider disclosure', () => {
  let test: TestApi;
  let clinic: Clinic;

  beforeAll(async () => {
    test = await startTestApi();
    clinic = await seedClinic(test);
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  it('shows a patient their signed visit summaries without the clinical sections', async () => {
    const visit = await insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'treatment',
      startsAt: new Date('2026-01-10T15:00:00Z'),
    });
    const draftVisit = await insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'virtual_consult',
      startsAt: new Date('2026-01-03T15:00:00Z'),
    });
    const provider = as(test, clinic.provider);
    const note = await provider.post(`/v1/appointments/${visit}/note`).send({ template: 'soap', content: SOAP }).expect(201);
    await provider.post(`/v1/notes/${(note.body as { id: string }).id}/sign`).send({ expectedVersion: 1 }).expect(200);
    await provider
      .post(`/v1/appointments/${draftVisit}/note`)
      .send({ template: 'soap', content: { ...SOAP, patientSummary: 'draft summary' } })
      .expect(201);

    const response = await as(test, clinic.patient).get('/v1/me/visits').expect(200);
    const visits = (response.body as { visits: { appointmentId: string; summary: string | null; provider: { name: string } }[] }).visits;
    expect(visits.map((v) => v.appointmentId)).toEqual([visit, draftVisit]);
    expect(visits[0]?.summary).toBe(SOAP.patientSummary);
    expect(visits[0]?.provider.name).toBe(`${clinic.provider.user.givenName} ${clinic.provider.user.familyName}`);
    expect(visits[1]?.summary).toBeNull();
    expect(JSON.stringify(response.body)).not.toContain('clinician-only');
    await as(test, clinic.provider).get('/v1/me/visits').expect(403);

    // Right of access: the full signed note on request; drafts and other patients' notes are 404.
    const noteId = (visits[0] as { noteId: string | null } | undefined)?.noteId ?? '';
    const full = await as(test, clinic.patient).get(`/v1/me/notes/${noteId}`).expect(200);
    expect(full.body).toMatchObject({ status: 'signed', content: SOAP });
    const draft = await provider.get(`/v1/patients/${clinic.patient.userId}/notes`).expect(200);
    const draftId = (draft.body as { notes: { id: string; status: string }[] }).notes.find((n) => n.status === 'draft')?.id ?? '';
    await as(test, clinic.patient).get(`/v1/me/notes/${draftId}`).expect(404);
    const stranger = await loginAs(test, clinic.practice.slug, 'patient');
    await as(test, stranger).get(`/v1/me/notes/${noteId}`).expect(404);
  });

  it('tells a patient who accessed their record, naming staff by role and name', async () => {
    const director = await loginAs(test, clinic.practice.slug, 'medical_director');
    const visit = await insertAppointment(test, clinic.practice.id, {
      providerId: clinic.provider.userId,
      patientId: clinic.patient.userId,
      kind: 'virtual_consult',
    });
    const created = await as(test, clinic.provider).post(`/v1/appointments/${visit}/note`).send({ template: 'soap', content: SOAP });
    await as(test, director).get(`/v1/notes/${(created.body as { id: string }).id}`).expect(200);
    // Another patient's record: must not appear.
    const otherPatient = await loginAs(test, clinic.practice.slug, 'patient');
    await as(test, otherPatient).get('/v1/me/visits').expect(200);

    // Room plumbing is in the audit trail but is not a look at the record.
    await withTenant(test.api.services.dataSource, clinic.practice.id, (manager) =>
      recordAudit(manager, clinic.practice.id, { requestId: 'r', ip: null, userAgent: null, auth: null }, {
        action: 'room.token_issued',
        actorUserId: director.userId,
        actorRole: 'medical_director',
        patientId: clinic.patient.userId,
      }),
    );

    const response = await as(test, clinic.patient).get('/v1/me/record-access?limit=50&timeZone=America/New_York').expect(200);
    interface Group { day: string; actions: string[]; actor: { role: string; displayName: string | null } }
    const { groups, nextCursor } = response.body as { groups: Group[]; nextCursor: string | null };
    expect(nextCursor).toBeNull();
    // One line per person and day: the director read the note (and nothing else is claimed).
    expect(groups[0]).toMatchObject({
      actions: ['note.read'],
      actor: { role: 'medical_director', displayName: `${director.user.givenName} ${director.user.familyName}` },
    });
    expect(groups[0]?.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(groups.some((g) => g.actions.includes('note.write') && g.actor.role === 'injector')).toBe(true);
    expect(groups.some((g) => g.actions.some((a) => a.startsWith('room.')))).toBe(false);
    // The patient's own lookups (visit summaries) are not listed as someone else's access.
    expect(groups.some((g) => g.actions.includes('visit_summary.read'))).toBe(false);
    const firstPage = await as(test, clinic.patient).get('/v1/me/record-access?limit=1').expect(200);
    expect((firstPage.body as { groups: Group[]; nextCursor: string | null }).nextCursor).toBe('1');
    const other = await as(test, otherPatient).get('/v1/me/record-access').expect(200);
    expect((other.body as { groups: unknown[] }).groups).toEqual([]);
    await as(test, clinic.patient).get('/v1/me/record-access?timeZone=Mars/Olympus').expect(400);
    await as(test, clinic.patient).get('/v1/me/record-access?limit=0').expect(400);
  });

  it('refers to a partner only with the patient’s consent and lists it in the accounting of disclosures', async () => {
    const referral = {
      recipientName: 'Partner Dermatology',
      recipientAddress: '1 Main St, Hartford, CT',
      purpose: 'Evaluation of a pigmented lesion',
      informationDisclosed: 'Consult note and photos of the visit',
    };
    const created = await as(test, clinic.provider).post(`/v1/patients/${clinic.patient.userId}/referrals`).send(referral).expect(201);
    const referralId = (created.body as { id: string }).id;
    expect(created.body).toMatchObject({ status: 'awaiting_consent', disclosedAt: null });
    const compliance = await loginAs(test, clinic.practice.slug, 'compliance_officer');
    const beforeConsent = await as(test, compliance).get(`/v1/patients/${clinic.patient.userId}/disclosures`).expect(200);
    expect((beforeConsent.body as { disclosures: unknown[] }).disclosures).toEqual([]);

    const otherPatient = await loginAs(test, clinic.practice.slug, 'patient');
    await as(test, otherPatient).post(`/v1/me/referrals/${referralId}/decision`).send({ decision: 'authorize' }).expect(404);
    const mine = await as(test, clinic.patient).get('/v1/me/referrals').expect(200);
    expect((mine.body as { referrals: { id: string }[] }).referrals.map((r) => r.id)).toContain(referralId);
    const decided = await as(test, clinic.patient)
      .post(`/v1/me/referrals/${referralId}/decision`)
      .send({ decision: 'authorize' })
      .expect(200);
    expect(decided.body).toMatchObject({ status: 'disclosed' });
    await as(test, clinic.patient).post(`/v1/me/referrals/${referralId}/decision`).send({ decision: 'decline' }).expect(409);

    const declined = await as(test, clinic.provider).post(`/v1/patients/${clinic.patient.userId}/referrals`).send(referral).expect(201);
    await as(test, clinic.patient)
      .post(`/v1/me/referrals/${(declined.body as { id: string }).id}/decision`)
      .send({ decision: 'decline' })
      .expect(200);

    const accounting = await as(test, clinic.patient).get(`/v1/patients/${clinic.patient.userId}/disclosures`).expect(200);
    expect((accounting.body as { disclosures: unknown[] }).disclosures).toEqual([
      expect.objectContaining({ referralId, recipientName: referral.recipientName, purpose: referral.purpose }),
    ]);
    await as(test, otherPatient).get(`/v1/patients/${clinic.patient.userId}/disclosures`).expect(404);
    await as(test, await loginAs(test, clinic.practice.slug, 'front_desk'))
      .get(`/v1/patients/${clinic.patient.userId}/disclosures`)
      .expect(403);
  });

  it('reports the acquisition funnel per ISO week with owners and no PHI', async () => {
    const admin = await loginAs(test, clinic.practice.slug, 'admin');
    const fresh = await seedClinic(test);
    const freshAdmin = await loginAs(test, fresh.practice.slug, 'admin');
    const now = Date.now();
    const spec = { providerId: fresh.provider.userId, patientId: fresh.patient.userId };
    await insertAppointment(test, fresh.practice.id, { ...spec, kind: 'virtual_consult', startsAt: new Date(now + 7 * 86_400_000) });
    await insertAppointment(test, fresh.practice.id, { ...spec, kind: 'virtual_consult', startsAt: new Date(now + 8 * 86_400_000) });
    await insertAppointment(test, fresh.practice.id, { ...spec, kind: 'gfe', startsAt: new Date(now + 9 * 86_400_000), status: 'booked' });
    await insertAppointment(test, fresh.practice.id, { ...spec, kind: 'treatment', startsAt: new Date(now - 60_000), status: 'completed' });
    await insertAppointment(test, fresh.practice.id, {
      ...spec,
      kind: 'treatment',
      startsAt: new Date(now - 30 * 86_400_000),
      status: 'cancelled',
    });

    const response = await as(test, freshAdmin).get('/v1/kpi/funnel?weeks=4').expect(200);
    const body = response.body as {
      weeks: { isoWeek: string; leads: number; appointments: number; patientsAcquired: number }[];
      kpis: { kpi: string; ownerRole: string }[];
    };
    expect(body.weeks).toHaveLength(4);
    const thisWeek = body.weeks[3];
    expect(thisWeek?.isoWeek).toMatch(/^\d{4}-W\d{2}$/);
    // All rows were created now, so the booking counts land in the current week.
    expect(thisWeek).toMatchObject({ leads: 2, appointments: 2 });
    expect(body.weeks.reduce((sum, week) => sum + week.patientsAcquired, 0)).toBe(1);
    expect(body.kpis).toEqual([
      expect.objectContaining({ kpi: 'leads', ownerRole: 'marketing' }),
      expect.objectContaining({ kpi: 'appointments', ownerRole: 'front_desk' }),
      expect.objectContaining({ kpi: 'patients_acquired', ownerRole: 'provider' }),
    ]);
    const text = JSON.stringify(response.body);
    for (const secret of [fresh.patient.userId, fresh.patient.user.givenName, fresh.provider.userId]) {
      expect(text).not.toContain(secret);
    }

    await as(test, freshAdmin).put('/v1/kpi/owners/appointments').send({ ownerRole: 'marketing' }).expect(200);
    const updated = await as(test, freshAdmin).get('/v1/kpi/funnel').expect(200);
    expect((updated.body as typeof body).kpis[1]).toMatchObject({ kpi: 'appointments', ownerRole: 'marketing' });
    // Owners are per practice.
    const elsewhere = await as(test, admin).get('/v1/kpi/funnel').expect(200);
    expect((elsewhere.body as typeof body).kpis[1]).toMatchObject({ ownerRole: 'front_desk' });
    await as(test, freshAdmin).put('/v1/kpi/owners/revenue').send({ ownerRole: 'marketing' }).expect(400);
    await as(test, fresh.provider).get('/v1/kpi/funnel').expect(403);
    await as(test, freshAdmin).get('/v1/kpi/funnel?weeks=1000').expect(400);
  });

  it('counts a Sunday-night request in the practice’s own week, not the UTC one', async () => {
    const fresh = await seedClinic(test);
    const freshAdmin = await loginAs(test, fresh.practice.slug, 'admin');
    // A Monday 03:30 UTC two to three weeks ago: still Sunday evening in New York (EST or EDT).
    const monday = new Date();
    monday.setUTCDate(monday.getUTCDate() - 14 - ((monday.getUTCDay() + 6) % 7));
    monday.setUTCHours(3, 30, 0, 0);
    const visit = await insertAppointment(test, fresh.practice.id, {
      providerId: fresh.provider.userId,
      patientId: fresh.patient.userId,
      kind: 'virtual_consult',
    });
    await asOwner(test.database.url, (client) => client.query(`UPDATE appointments SET created_at = $2 WHERE id = $1`, [visit, monday]));
    const response = await as(test, freshAdmin).get('/v1/kpi/funnel?weeks=5').expect(200);
    const weeks = (response.body as { weeks: { weekStart: string; leads: number }[] }).weeks;
    const sunday = new Date(monday.getTime() - 86_400_000);
    const localMonday = new Date(sunday.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
    expect(weeks.filter((week) => week.leads > 0)).toEqual([expect.objectContaining({ weekStart: localMonday, leads: 1 })]);
  });

  it('publishes providers’ names, credentials and specialties without signing in', async () => {
    await asOwner(test.database.url, (client) =>
      client.query(
        `INSERT INTO provider_licenses (practice_id, provider_id, state, license_number, valid_from, expires_on)
         VALUES ($1, $2, 'CT', 'CT-1', current_date - 10, current_date + 300),
                ($1, $2, 'NY', 'NY-1', current_date - 400, current_date - 1)`,
        [clinic.practice.id, clinic.provider.userId],
      ),
    );
    const response = await request(test.api.app).get(`/v1/practices/${clinic.practice.slug}/providers`).expect(200);
    expect(response.body).toEqual({
      practice: { name: clinic.practice.name, slug: clinic.practice.slug },
      providers: [
        {
          name: `${clinic.provider.user.givenName} ${clinic.provider.user.familyName}`,
          credential: 'NP',
          specialties: ['aesthetics'],
          bio: '',
          licensedStates: ['CT'],
        },
      ],
    });
    await request(test.api.app).get('/v1/practices/no-such-practice/providers').expect(404);
    await request(test.api.app).get('/v1/practices/NOT_A_SLUG/providers').expect(400);
  });
});

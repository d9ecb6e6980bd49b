import request from 'supertest';
import type { RouteSample } from '../crossCutting/routeSamples.js';
import type { TenantFixture } from '../crossCutting/world.js';
import { bearer } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { ensureProviderProfile, insertAppointment } from './clinicalFixtures.js';

/**
 * Samples for the clinical-records routes (registered in ../crossCutting/routeSamples.ts).
 * One seed (on `GET /v1/notes/:noteId`) creates, per tenant, visits of the tenant's
 * signed-in patient with its signed-in injector, notes, a photo, answers and a referral.
 * Routes that change state once (sign, decide, submit) list the statuses of the repeat
 * calls; routes only a note's author may change list 403 for the other provider role.
 */

/** Smallest byte string that passes the PNG signature check. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR')]);

const SOAP = { subjective: 's', objective: 'o', assessment: 'a', plan: 'p', patientSummary: 'summary' };

async function expectOk(response: request.Response, status: number): Promise<{ id: string }> {
  if (response.status !== status) {
    throw new Error(`clinical seed: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  }
  return Promise.resolve(response.body as { id: string });
}

async function seedClinical({ test, tenant }: { test: TestApi; tenant: TenantFixture }): Promise<void> {
  const practiceId = tenant.practice.id;
  const injector = tenant.sessions.injector;
  const patient = tenant.sessions.patient;
  await ensureProviderProfile(test, practiceId, injector.userId);
  const visit = (kind: 'virtual_consult' | 'treatment' | 'follow_up', status = 'completed', startsAt?: Date): Promise<string> =>
    insertAppointment(test, practiceId, {
      providerId: injector.userId,
      patientId: patient.userId,
      kind,
      status,
      ...(startsAt === undefined ? {} : { startsAt }),
    });
  const app = request(test.api.app);
  const newNote = async (): Promise<string> => {
    const appointmentId = await visit('virtual_consult');
    const created = await expectOk(
      await app.post(`/v1/appointments/${appointmentId}/note`).set('authorization', bearer(injector)).send({ template: 'soap', content: SOAP }),
      201,
    );
    return created.id;
  };

  tenant.ids.noteAppointment = await visit('virtual_consult');
  tenant.ids.note = await newNote();
  tenant.ids.draftToEdit = await newNote();
  tenant.ids.draftToSign = await newNote();
  tenant.ids.signedNote = await newNote();
  await expectOk(
    await app.post(`/v1/notes/${tenant.ids.signedNote}/sign`).set('authorization', bearer(injector)).send({ expectedVersion: 1 }),
    200,
  );

  // Before the sample follow-up time (2030), which must come after the treatment.
  tenant.ids.treatment = await visit('treatment', 'booked', new Date('2026-01-05T15:00:00Z'));
  const type = await asOwner(test.database.url, (client) =>
    client.query<{ id: string }>(
      `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes) VALUES ($1, 'Sample follow-up', 'follow_up', 10) RETURNING id`,
      [practiceId],
    ),
  );
  tenant.ids.followUpType = type.rows[0]?.id ?? '';
  const photo = await expectOk(
    await app
      .post(`/v1/appointments/${tenant.ids.treatment}/photos?phase=before`)
      .set('authorization', bearer(patient))
      .set('content-type', 'image/png')
      .send(PNG),
    201,
  );
  tenant.ids.photo = photo.id;

  tenant.ids.followUp = await visit('follow_up', 'booked');
  tenant.ids.answeredFollowUp = await visit('follow_up', 'booked');
  await expectOk(
    await app
      .post(`/v1/appointments/${tenant.ids.answeredFollowUp}/questionnaire`)
      .set('authorization', bearer(patient))
      .send(answers('fine')),
    201,
  );
  const referral = await expectOk(
    await app
      .post(`/v1/patients/${patient.userId}/referrals`)
      .set('authorization', bearer(injector))
      .send(referralBody('Sample partner')),
    201,
  );
  tenant.ids.referral = referral.id;
}

function answers(comments: string): Record<string, unknown> {
  return {
    painScore: 1,
    swelling: 'none',
    bruising: 'mild',
    asymmetry: false,
    infectionSigns: false,
    visionOrSkinColourChanges: false,
    comments,
  };
}

function referralBody(recipientName: string): Record<string, string> {
  return { recipientName, recipientAddress: '1 Main St', purpose: 'second opinion', informationDisclosed: 'consult note' };
}

const id = (tenant: TenantFixture, key: string): string => tenant.ids[key] ?? '';

export const CLINICAL_ROUTE_SAMPLES: Record<string, RouteSample> = {
  'POST /v1/appointments/:appointmentId/note': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'noteAppointment') }),
    body: ({ caller }) => ({ template: 'soap', content: { ...SOAP, subjective: caller.phi.givenName } }),
    ownTenantStatuses: [201, 409],
  },
  'GET /v1/notes/:noteId': {
    seed: seedClinical,
    params: ({ tenant }) => ({ noteId: id(tenant, 'note') }),
    ownTenantStatuses: [200],
  },
  'PUT /v1/notes/:noteId': {
    params: ({ tenant }) => ({ noteId: id(tenant, 'draftToEdit') }),
    body: ({ caller }) => ({ expectedVersion: 1, content: { ...SOAP, plan: caller.phi.familyName } }),
    // The author saves version 2 once; repeats are stale (409); the other provider role is not the author (403).
    ownTenantStatuses: [200, 403, 409],
  },
  'GET /v1/notes/:noteId/versions': {
    params: ({ tenant }) => ({ noteId: id(tenant, 'note') }),
    ownTenantStatuses: [200],
  },
  'GET /v1/notes/:noteId/versions/:version': {
    params: ({ tenant }) => ({ noteId: id(tenant, 'note'), version: '1' }),
    ownTenantStatuses: [200],
  },
  'POST /v1/notes/:noteId/sign': {
    params: ({ tenant }) => ({ noteId: id(tenant, 'draftToSign') }),
    body: () => ({ expectedVersion: 1 }),
    ownTenantStatuses: [200, 403, 409],
  },
  'POST /v1/notes/:noteId/addenda': {
    params: ({ tenant }) => ({ noteId: id(tenant, 'signedNote') }),
    body: ({ caller }) => ({ text: `Addendum ${caller.phi.dateOfBirth}` }),
    ownTenantStatuses: [201],
  },
  'GET /v1/me/notes/:noteId': {
    params: ({ tenant }) => ({ noteId: id(tenant, 'signedNote') }),
    ownTenantStatuses: [200],
  },
  'GET /v1/patients/:patientId/notes': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    ownTenantStatuses: [200],
  },
  'GET /v1/patients/:patientId/gfe-outcomes': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    ownTenantStatuses: [200],
  },
  'POST /v1/appointments/:appointmentId/follow-ups': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'treatment') }),
    body: ({ tenant }) => ({
      appointmentTypeId: id(tenant, 'followUpType'),
      startsAt: '2030-01-07T15:00:00Z',
      patientState: 'NY',
      patientTimeZone: 'America/New_York',
    }),
    // The sample provider has no working hours or license: scheduling refuses the booking itself.
    ownTenantStatuses: [201, 409, 422],
  },
  'GET /v1/appointments/:appointmentId/follow-ups': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'treatment') }),
    ownTenantStatuses: [200],
  },
  'POST /v1/appointments/:appointmentId/photos': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'treatment') }),
    query: () => ({ phase: 'after' }),
    // The shared harness sends JSON or nothing; image bodies are covered in gfeAndFollowUps.test.ts.
    ownTenantStatuses: [400],
  },
  'GET /v1/photos/:photoId': {
    params: ({ tenant }) => ({ photoId: id(tenant, 'photo') }),
    ownTenantStatuses: [200],
  },
  'GET /v1/patients/:patientId/photos': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    ownTenantStatuses: [200],
  },
  'POST /v1/appointments/:appointmentId/questionnaire': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'followUp') }),
    body: ({ caller }) => answers(caller.phi.givenName),
    ownTenantStatuses: [201, 409],
  },
  'GET /v1/appointments/:appointmentId/questionnaire': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'answeredFollowUp') }),
    ownTenantStatuses: [200],
  },
  'GET /v1/me/visits': { crossTenant: 'none', ownTenantStatuses: [200] },
  'GET /v1/me/record-access': { crossTenant: 'none', query: () => ({ limit: '20' }), ownTenantStatuses: [200] },
  'POST /v1/patients/:patientId/referrals': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    body: ({ caller }) => referralBody(caller.phi.familyName),
    ownTenantStatuses: [201],
  },
  'GET /v1/me/referrals': { crossTenant: 'none', ownTenantStatuses: [200] },
  'POST /v1/me/referrals/:referralId/decision': {
    params: ({ tenant }) => ({ referralId: id(tenant, 'referral') }),
    body: () => ({ decision: 'authorize' }),
    ownTenantStatuses: [200, 409],
  },
  'GET /v1/patients/:patientId/disclosures': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    ownTenantStatuses: [200],
  },
  'GET /v1/kpi/funnel': { crossTenant: 'none', query: () => ({ weeks: '8' }), ownTenantStatuses: [200] },
  'PUT /v1/kpi/owners/:kpi': {
    // A KPI name, not a tenant resource: every practice has all three.
    crossTenant: 'none',
    params: () => ({ kpi: 'leads' }),
    body: () => ({ ownerRole: 'marketing' }),
    ownTenantStatuses: [200],
  },
  'GET /v1/practices/:slug/providers': {
    // Public by law: any practice's page is readable by anyone.
    crossTenant: 'none',
    params: ({ tenant }) => ({ slug: tenant.practice.slug }),
    ownTenantStatuses: [200],
  },
};

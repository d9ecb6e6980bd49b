import request from 'supertest';
import type { RouteSample } from '../crossCutting/routeSamples.js';
import type { TenantFixture } from '../crossCutting/world.js';
import { bearer } from '../fixtures/identity.js';
import { ensureProviderProfile } from '../clinical/clinicalFixtures.js';
import type { TestApi } from '../testApi.js';
import { clearForService, intakeContent, ok, treatmentContent, treatmentVisit } from './chartFixtures.js';

/**
 * Samples for the chart routes (intake, treatments, exam validity, timeline, chart review,
 * adverse events), registered in ../crossCutting/routeSamples.ts. One seed per tenant: a
 * signed Good Faith Exam, a recorded treatment, an intake, an adverse event and a review.
 */
async function seedChart({ test, tenant }: { test: TestApi; tenant: TenantFixture }): Promise<void> {
  const practiceId = tenant.practice.id;
  const injector = tenant.sessions.injector;
  const director = tenant.sessions.medical_director;
  const patient = tenant.sessions.patient;
  await ensureProviderProfile(test, practiceId, injector.userId);
  const app = request(test.api.app);
  const exam = await clearForService(test, practiceId, injector, patient);
  tenant.ids.chartVisit = await treatmentVisit(test, practiceId, injector, patient);
  const recordedVisit = await treatmentVisit(test, practiceId, injector, patient);
  const treatment = await ok(
    await app.post(`/v1/appointments/${recordedVisit}/treatment`).set('authorization', bearer(injector)).send(treatmentContent('LOT-1')),
    201,
  );
  tenant.ids.chartTreatment = String(treatment.id);
  await ok(
    await app.put(`/v1/patients/${patient.userId}/intake`).set('authorization', bearer(patient)).send({ expectedVersion: 0, content: intakeContent('none') }),
    200,
  );
  const event = await ok(
    await app
      .post(`/v1/patients/${patient.userId}/adverse-events`)
      .set('authorization', bearer(injector))
      .send({ what: 'Bruising', occurredAt: new Date().toISOString(), severity: 'mild', followUp: 'Ice' }),
    201,
  );
  tenant.ids.adverseEvent = String(event.id);
  await ok(await app.put('/v1/chart-review/settings').set('authorization', bearer(director)).send({ samplePercent: 100 }), 200);
  const queue = await ok(await app.get('/v1/chart-review/queue').set('authorization', bearer(director)), 200);
  const reviews = queue.reviews as { id: string; noteId: string }[];
  tenant.ids.chartReview = reviews.find((review) => review.noteId === exam.noteId)?.id ?? '';
}

const id = (tenant: TenantFixture, key: string): string => tenant.ids[key] ?? '';
const patientOf = ({ tenant }: { tenant: TenantFixture }): Record<string, string> => ({ patientId: tenant.sessions.patient.userId });

export const CHART_ROUTE_SAMPLES: Record<string, RouteSample> = {
  'GET /v1/patients/:patientId/intake': { seed: seedChart, params: patientOf, ownTenantStatuses: [200] },
  'PUT /v1/patients/:patientId/intake': {
    params: patientOf,
    body: ({ caller }) => ({ expectedVersion: 1, content: intakeContent(caller.phi.givenName) }),
    // Version 2 once; repeats are stale.
    ownTenantStatuses: [200, 409],
  },
  'GET /v1/patients/:patientId/intake/versions': { params: patientOf, ownTenantStatuses: [200] },
  'POST /v1/appointments/:appointmentId/treatment': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'chartVisit') }),
    body: ({ caller }) => treatmentContent(caller.phi.familyName.slice(0, 60)),
    // Recorded once; the other provider role is not the treating provider unless a director.
    ownTenantStatuses: [201, 409],
  },
  'GET /v1/appointments/:appointmentId/treatment': {
    params: ({ tenant }) => ({ appointmentId: id(tenant, 'chartVisit') }),
    ownTenantStatuses: [200],
  },
  'GET /v1/treatments/:treatmentId': { params: ({ tenant }) => ({ treatmentId: id(tenant, 'chartTreatment') }), ownTenantStatuses: [200] },
  'GET /v1/patients/:patientId/treatments': { params: patientOf, ownTenantStatuses: [200] },
  'POST /v1/treatments/:treatmentId/follow-ups': {
    params: ({ tenant }) => ({ treatmentId: id(tenant, 'chartTreatment') }),
    body: ({ tenant }) => ({
      appointmentTypeId: id(tenant, 'followUpType') || '00000000-0000-4000-8000-000000000000',
      startsAt: '2030-01-07T15:00:00Z',
      patientState: 'NY',
      patientTimeZone: 'America/New_York',
    }),
    // The sample provider has no working hours or license: scheduling refuses the booking itself.
    ownTenantStatuses: [201, 404, 409, 422],
  },
  'GET /v1/gfe-validity': { crossTenant: 'none', ownTenantStatuses: [200] },
  'PUT /v1/gfe-validity/:state': {
    crossTenant: 'none',
    params: () => ({ state: 'NY' }),
    body: () => ({ mode: 'months', months: 12 }),
    ownTenantStatuses: [200],
  },
  'DELETE /v1/gfe-validity/:state': { crossTenant: 'none', params: () => ({ state: 'NJ' }), ownTenantStatuses: [200] },
  'GET /v1/patients/:patientId/timeline': { params: patientOf, ownTenantStatuses: [200] },
  'GET /v1/chart-review/settings': { crossTenant: 'none', ownTenantStatuses: [200] },
  'PUT /v1/chart-review/settings': { crossTenant: 'none', body: () => ({ samplePercent: 100 }), ownTenantStatuses: [200] },
  'GET /v1/chart-review/queue': { crossTenant: 'none', ownTenantStatuses: [200] },
  'POST /v1/chart-reviews/:reviewId/decision': {
    params: ({ tenant }) => ({ reviewId: id(tenant, 'chartReview') }),
    body: () => ({ decision: 'cosign' }),
    ownTenantStatuses: [200, 409],
  },
  'POST /v1/patients/:patientId/adverse-events': {
    params: patientOf,
    body: ({ caller }) => ({ what: caller.phi.givenName, occurredAt: new Date().toISOString(), severity: 'moderate' }),
    ownTenantStatuses: [201],
  },
  'GET /v1/adverse-events': { crossTenant: 'none', ownTenantStatuses: [200] },
  'POST /v1/adverse-events/:eventId/close': {
    params: ({ tenant }) => ({ eventId: id(tenant, 'adverseEvent') }),
    body: ({ caller }) => ({ resolution: caller.phi.familyName }),
    ownTenantStatuses: [200, 409],
  },
};

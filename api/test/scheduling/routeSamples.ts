import { createHash, randomBytes } from 'node:crypto';
import type { RouteSample } from '../crossCutting/routeSamples.js';
import type { TenantFixture } from '../crossCutting/world.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

/**
 * Samples for the scheduling, licensure and consent routes (spread into ROUTE_SAMPLES).
 * One seed per tenant, written as the owner: the tenant's injector gets a profile, a New
 * York license, a spare Texas license (the revoke sample's target), round-the-clock hours
 * and a time-off period; there are consult and spare appointment types, one appointment
 * per state-changing sample (read, reschedule, cancel, check-in), and consent documents
 * (a published telehealth version, a draft to edit, a draft to publish).
 */

const CONSENT_BODY = 'Sample telehealth consent text.';
const digest = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A random future 10-minute slot, so repeated samples rarely collide (a collision is a 409). */
function randomSlot(): string {
  const index = randomBytes(4).readUInt32BE(0) % 500_000;
  return new Date(Date.UTC(2031, 0, 1) + index * 10 * 60_000).toISOString();
}

async function seedScheduling(test: TestApi, tenant: TenantFixture): Promise<void> {
  if (tenant.ids.provider !== undefined) return;
  const practiceId = tenant.practice.id;
  const providerId = tenant.sessions.injector.userId;
  const patientId = tenant.sessions.patient.userId;
  await asOwner(test.database.url, async (client) => {
    const one = async (sql: string, params: unknown[]): Promise<string> => {
      const result = await client.query<{ id: string }>(sql, params);
      const id = result.rows[0]?.id;
      if (id === undefined) throw new Error('seed insert returned no row');
      return id;
    };
    await client.query(
      `INSERT INTO provider_profiles (practice_id, user_id, credential, time_zone) VALUES ($1, $2, 'NP', 'America/New_York')`,
      [practiceId, providerId],
    );
    await client.query(
      `INSERT INTO provider_licenses (practice_id, provider_id, state, license_number, valid_from, expires_on)
       VALUES ($1, $2, 'NY', 'NY-SAMPLE', '2026-01-01', '2040-12-31')`,
      [practiceId, providerId],
    );
    tenant.ids.spareLicense = await one(
      `INSERT INTO provider_licenses (practice_id, provider_id, state, license_number, valid_from, expires_on)
       VALUES ($1, $2, 'TX', 'TX-SAMPLE', '2026-01-01', '2040-12-31') RETURNING id`,
      [practiceId, providerId],
    );
    await client.query(
      `INSERT INTO availability_rules (practice_id, provider_id, iso_weekday, start_time, end_time, time_zone)
       SELECT $1, $2, d, '00:00', '24:00', 'America/New_York' FROM generate_series(1, 7) d`,
      [practiceId, providerId],
    );
    tenant.ids.timeOff = await one(
      `INSERT INTO availability_exceptions (practice_id, provider_id, during)
       VALUES ($1, $2, tstzrange('2030-06-01T00:00:00Z', '2030-06-02T00:00:00Z')) RETURNING id`,
      [practiceId, providerId],
    );
    tenant.ids.consultType = await one(
      `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes) VALUES ($1, 'Consult', 'virtual_consult', 10) RETURNING id`,
      [practiceId],
    );
    tenant.ids.spareType = await one(
      `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes) VALUES ($1, 'Spare', 'follow_up', 10) RETURNING id`,
      [practiceId],
    );
    const appointment = (startsAt: string): Promise<string> =>
      one(
        `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, starts_at, ends_at, occupied,
           patient_state, patient_time_zone)
         VALUES ($1, $2, $3, $4, 'virtual_consult', $5::timestamptz, $5::timestamptz + interval '10 minutes',
           tstzrange($5::timestamptz, $5::timestamptz + interval '10 minutes'), 'NY', 'America/New_York') RETURNING id`,
        [practiceId, tenant.ids.consultType, providerId, patientId, startsAt],
      );
    tenant.ids.appointment = await appointment('2030-03-01T15:00:00Z');
    tenant.ids.rescheduleAppointment = await appointment('2030-03-02T15:00:00Z');
    tenant.ids.cancelAppointment = await appointment('2030-03-03T15:00:00Z');
    tenant.ids.checkInAppointment = await appointment('2030-03-04T15:00:00Z');
    const consent = (version: number, published: boolean): Promise<string> =>
      one(
        `INSERT INTO consent_documents (practice_id, kind, version, title, body, body_sha256, published_at)
         VALUES ($1, 'telehealth', $2, 'Telehealth consent', $3, $4, CASE WHEN $5 THEN now() END) RETURNING id`,
        [practiceId, version, CONSENT_BODY, digest(CONSENT_BODY), published],
      );
    tenant.ids.publishedConsent = await consent(1, true);
    tenant.ids.draftConsent = await consent(2, false);
    tenant.ids.publishableConsent = await consent(3, false);
  });
  tenant.ids.provider = providerId;
}

const seed: RouteSample['seed'] = ({ test, tenant }) => seedScheduling(test, tenant);
const providerParams = ({ tenant }: { tenant: TenantFixture }): Record<string, string> => ({ providerId: tenant.ids.provider ?? '' });
const appointmentParams =
  (key: string) =>
  ({ tenant }: { tenant: TenantFixture }): Record<string, string> => ({ appointmentId: tenant.ids[key] ?? '' });
const documentParams =
  (key: string) =>
  ({ tenant }: { tenant: TenantFixture }): Record<string, string> => ({ documentId: tenant.ids[key] ?? '' });

export const SCHEDULING_ROUTE_SAMPLES: Record<string, RouteSample> = {
  // --- licensure ---------------------------------------------------------------------------
  'GET /v1/providers': { seed, crossTenant: 'none', ownTenantStatuses: [200] },
  'GET /v1/providers/:providerId': { seed, params: providerParams, ownTenantStatuses: [200] },
  'PUT /v1/providers/:providerId/profile': {
    seed,
    params: providerParams,
    body: () => ({ credential: 'NP', specialties: ['neuromodulators'], timeZone: 'America/New_York' }),
    // Admins and the provider: 200; another provider (medical director): 404, not theirs.
    ownTenantStatuses: [200, 404],
  },
  'GET /v1/providers/:providerId/licenses': { seed, params: providerParams, ownTenantStatuses: [200] },
  'POST /v1/providers/:providerId/licenses': {
    seed,
    params: providerParams,
    body: () => ({ state: 'NJ', licenseNumber: `NJ-${randomBytes(4).toString('hex')}`, validFrom: '2026-01-01', expiresOn: '2030-12-31' }),
    ownTenantStatuses: [201],
  },
  'POST /v1/providers/:providerId/licenses/:licenseId/revoke': {
    seed,
    params: ({ tenant }) => ({ providerId: tenant.ids.provider ?? '', licenseId: tenant.ids.spareLicense ?? '' }),
    ownTenantStatuses: [200],
  },

  // --- scheduling --------------------------------------------------------------------------
  'GET /v1/appointment-types': { seed, crossTenant: 'none', ownTenantStatuses: [200] },
  'POST /v1/appointment-types': {
    seed,
    crossTenant: 'none',
    body: () => ({ name: 'Sample follow-up', kind: 'follow_up', durationMinutes: 10 }),
    ownTenantStatuses: [201],
  },
  'PATCH /v1/appointment-types/:typeId': {
    seed,
    params: ({ tenant }) => ({ typeId: tenant.ids.spareType ?? '' }),
    body: () => ({ active: true }),
    ownTenantStatuses: [200],
  },
  'GET /v1/providers/:providerId/availability': { seed, params: providerParams, ownTenantStatuses: [200] },
  'PUT /v1/providers/:providerId/availability': {
    seed,
    params: providerParams,
    body: () => ({ rules: [1, 2, 3, 4, 5, 6, 7].map((isoWeekday) => ({ isoWeekday, startTime: '00:00', endTime: '24:00' })) }),
    ownTenantStatuses: [200, 404],
  },
  'GET /v1/providers/:providerId/time-off': {
    seed,
    params: providerParams,
    query: () => ({ from: '2030-05-01T00:00:00Z', to: '2030-07-01T00:00:00Z' }),
    ownTenantStatuses: [200],
  },
  'POST /v1/providers/:providerId/time-off': {
    seed,
    params: providerParams,
    body: () => ({ startsAt: '2030-08-01T00:00:00Z', endsAt: '2030-08-02T00:00:00Z' }),
    ownTenantStatuses: [201, 404],
  },
  'DELETE /v1/providers/:providerId/time-off/:timeOffId': {
    seed,
    params: ({ tenant }) => ({ providerId: tenant.ids.provider ?? '', timeOffId: tenant.ids.timeOff ?? '' }),
    // The first allowed call removes it; later ones find nothing.
    ownTenantStatuses: [204, 404],
  },
  'GET /v1/providers/:providerId/slots': {
    seed,
    params: providerParams,
    query: ({ tenant }) => ({
      appointmentTypeId: tenant.ids.consultType ?? '',
      from: '2030-01-07',
      to: '2030-01-07',
      timeZone: 'America/Chicago',
      patientState: 'NY',
    }),
    ownTenantStatuses: [200],
  },

  // --- appointments ------------------------------------------------------------------------
  'POST /v1/appointments': {
    seed,
    crossTenant: 'none',
    // No patientId: a patient books for themself (201, or 409 on a rare slot collision);
    // staff must name the patient (400 patient_required).
    body: ({ caller }) => ({
      appointmentTypeId: caller.ids.consultType ?? '',
      providerId: caller.ids.provider ?? '',
      startsAt: randomSlot(),
      patientState: 'NY',
      patientTimeZone: 'America/New_York',
    }),
    ownTenantStatuses: [201, 400, 409],
  },
  'GET /v1/appointments': {
    seed,
    crossTenant: 'none',
    query: () => ({ from: '2030-03-01T00:00:00Z', to: '2030-03-05T00:00:00Z' }),
    ownTenantStatuses: [200],
  },
  'GET /v1/appointments/:appointmentId': {
    seed,
    params: appointmentParams('appointment'),
    // The patient, its provider and schedule staff: 200; the injector-less medical director too.
    ownTenantStatuses: [200],
  },
  'POST /v1/appointments/:appointmentId/reschedule': {
    seed,
    params: appointmentParams('rescheduleAppointment'),
    body: () => ({ startsAt: randomSlot() }),
    // Medical directors are not the visit's provider and do not move visits: 404.
    ownTenantStatuses: [200, 404, 409],
  },
  'POST /v1/appointments/:appointmentId/cancel': {
    seed,
    params: appointmentParams('cancelAppointment'),
    ownTenantStatuses: [200, 404, 409],
  },
  'POST /v1/appointments/:appointmentId/check-in': {
    seed,
    params: appointmentParams('checkInAppointment'),
    body: () => ({ patientState: 'NY' }),
    ownTenantStatuses: [200],
  },

  'POST /v1/appointments/:appointmentId/complete': {
    seed,
    params: appointmentParams('appointment'),
    // The seeded visit lies in the future (409 visit_not_started); front desk may not complete (404).
    ownTenantStatuses: [404, 409],
  },
  'POST /v1/appointments/:appointmentId/no-show': {
    seed,
    params: appointmentParams('appointment'),
    ownTenantStatuses: [409],
  },
  'POST /v1/appointments/:appointmentId/end': {
    seed,
    params: appointmentParams('appointment'),
    body: () => ({ outcome: 'completed' }),
    // The seeded visit's room has not opened (409 visit_not_started); the medical director is not its provider (404).
    ownTenantStatuses: [404, 409],
  },

  // --- consent -----------------------------------------------------------------------------
  'GET /v1/consent-documents': { seed, crossTenant: 'none', query: () => ({ kind: 'telehealth' }), ownTenantStatuses: [200] },
  'POST /v1/consent-documents': {
    seed,
    crossTenant: 'none',
    body: () => ({ kind: 'treatment', title: 'Treatment consent', body: 'Sample treatment consent text.' }),
    ownTenantStatuses: [201],
  },
  'PUT /v1/consent-documents/:documentId': {
    seed,
    params: documentParams('draftConsent'),
    body: () => ({ title: 'Telehealth consent', body: 'Edited draft text.' }),
    ownTenantStatuses: [200],
  },
  'POST /v1/consent-documents/:documentId/publish': {
    seed,
    params: documentParams('publishableConsent'),
    // First call publishes; later ones: already published.
    ownTenantStatuses: [200, 409],
  },
  'GET /v1/consent-documents/current/:kind': {
    seed,
    crossTenant: 'none',
    params: () => ({ kind: 'telehealth' }),
    ownTenantStatuses: [200],
  },
  'POST /v1/consent-documents/:documentId/signatures': {
    seed,
    params: documentParams('publishedConsent'),
    // The typed name is PHI: the PHI-in-logs suite checks it never reaches a log line.
    body: ({ caller }) => ({ signatureName: `${caller.phi.givenName} ${caller.phi.familyName}`, documentSha256: digest(CONSENT_BODY) }),
    ownTenantStatuses: [201, 409],
  },
  'GET /v1/patients/:patientId/consents': {
    seed,
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    ownTenantStatuses: [200],
  },
};

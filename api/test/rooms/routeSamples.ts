import { createHash, randomBytes } from 'node:crypto';
import type { RouteSample } from '../crossCutting/routeSamples.js';
import type { TenantFixture } from '../crossCutting/world.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

/**
 * Samples for the visit-guest routes (spread into ROUTE_SAMPLES). One seed per tenant, as the
 * owner: a consult of the tenant's injector with its patient in 2030 and one standing
 * invitation to it (the revoke sample's target; once revoked, later calls get a 409).
 */

async function seedInvitations(test: TestApi, tenant: TenantFixture): Promise<void> {
  if (tenant.ids.guestVisit !== undefined) return;
  const practiceId = tenant.practice.id;
  const providerId = tenant.sessions.injector.userId;
  const patientId = tenant.sessions.patient.userId;
  await asOwner(test.database.url, async (client) => {
    const type = await client.query<{ id: string }>(
      `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes) VALUES ($1, 'Guest consult', 'virtual_consult', 30) RETURNING id`,
      [practiceId],
    );
    const visit = await client.query<{ id: string; ends_at: Date }>(
      `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, starts_at, ends_at, occupied,
         patient_state, patient_time_zone)
       VALUES ($1, $2, $3, $4, 'virtual_consult', '2030-05-01T15:00:00Z', '2030-05-01T15:30:00Z',
         tstzrange('2030-05-01T15:00:00Z', '2030-05-01T15:30:00Z'), 'NY', 'America/New_York') RETURNING id, ends_at`,
      [practiceId, type.rows[0]?.id, providerId, patientId],
    );
    const visitId = visit.rows[0]?.id;
    if (visitId === undefined) throw new Error('guest visit insert returned no row');
    const digest = createHash('sha256').update(randomBytes(32)).digest('hex');
    const invitation = await client.query<{ id: string }>(
      `INSERT INTO visit_invitations (practice_id, appointment_id, invited_name, email, relation, invited_by, token_hash, expires_at)
       VALUES ($1, $2, 'Sample Interpreter', 'interpreter@example.test', 'interpreter', $3, $4, '2030-05-01T15:30:00Z') RETURNING id`,
      [practiceId, visitId, providerId, digest],
    );
    tenant.ids.guestVisit = visitId;
    tenant.ids.guestInvitation = invitation.rows[0]?.id ?? '';
  });
}

const seed: RouteSample['seed'] = ({ test, tenant }) => seedInvitations(test, tenant);
/** A syntactically valid link nobody issued (the practice part picks the tenant). */
const unissuedLink = (practiceId: string): string => `${practiceId}.${'Q'.repeat(43)}`;
/** A P-256 point's shape (the schema checks the form; the link fails before the key is used). */
const SAMPLE_PUBLIC_KEY = `BA${'A'.repeat(85)}`;

export const INVITATION_ROUTE_SAMPLES: Record<string, RouteSample> = {
  // Only the visit's injector and admins pass the record rule; other providers get 403.
  'POST /v1/appointments/:appointmentId/invitations': {
    seed,
    params: ({ tenant }) => ({ appointmentId: tenant.ids.guestVisit ?? '' }),
    body: ({ caller }) => ({ name: `${caller.phi.givenName} Guest`, email: 'guest@example.test', relation: 'caregiver' }),
    ownTenantStatuses: [201, 403, 409],
  },
  'GET /v1/appointments/:appointmentId/invitations': {
    seed,
    params: ({ tenant }) => ({ appointmentId: tenant.ids.guestVisit ?? '' }),
    ownTenantStatuses: [200, 403],
  },
  'DELETE /v1/appointments/:appointmentId/invitations/:invitationId': {
    seed,
    params: ({ tenant }) => ({ appointmentId: tenant.ids.guestVisit ?? '', invitationId: tenant.ids.guestInvitation ?? '' }),
    ownTenantStatuses: [200, 403, 409],
  },
  'POST /v1/invitations/lookup': {
    crossTenant: 'none',
    body: ({ caller }) => ({ token: unissuedLink(caller.practice.id) }),
    ownTenantStatuses: [400],
  },
  'POST /v1/invitations/redeem': {
    crossTenant: 'none',
    body: ({ caller }) => ({ token: unissuedLink(caller.practice.id), e2eePublicKey: SAMPLE_PUBLIC_KEY }),
    ownTenantStatuses: [400],
  },
};

import type { RouteSample } from '../crossCutting/routeSamples.js';

/**
 * Samples for the care-team and break-glass routes (registered in
 * ../crossCutting/routeSamples.ts). The reason carries a PHI stand-in: the PHI-in-logs
 * suite checks it reaches neither logs nor audit metadata.
 */
export const CARE_TEAM_ROUTE_SAMPLES: Record<string, RouteSample> = {
  'POST /v1/patients/:patientId/break-glass': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    body: ({ caller }) => ({ reason: `Urgent call about ${caller.phi.givenName} after hours` }),
    ownTenantStatuses: [201],
  },
  'GET /v1/break-glass': { crossTenant: 'none', query: () => ({ limit: '50' }), ownTenantStatuses: [200] },
  'GET /v1/patients/:patientId/care-team': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    ownTenantStatuses: [200],
  },
  'POST /v1/patients/:patientId/care-team': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId }),
    body: ({ caller }) => ({ providerId: caller.sessions.injector.userId }),
    // The first allowed role assigns; the next finds the provider already assigned.
    ownTenantStatuses: [201, 409],
  },
  'DELETE /v1/patients/:patientId/care-team/:providerId': {
    params: ({ tenant }) => ({ patientId: tenant.sessions.patient.userId, providerId: tenant.sessions.injector.userId }),
    ownTenantStatuses: [204, 404],
  },
};

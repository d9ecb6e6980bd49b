import request from 'supertest';
import type { RouteSample } from '../crossCutting/routeSamples.js';
import type { TenantFixture } from '../crossCutting/world.js';
import type { TestApi } from '../testApi.js';

/** Runs one small export as the tenant's compliance officer so its manifest exists. */
async function seedExport(test: TestApi, tenant: TenantFixture): Promise<void> {
  if (tenant.ids.auditExport !== undefined) return;
  const response = await request(test.api.app)
    .get('/v1/audit/exports')
    .query({ format: 'ndjson', action: 'audit.export' })
    .set('authorization', `Bearer ${tenant.sessions.compliance_officer.accessToken}`);
  const exportId = response.headers['x-export-id'];
  if (response.status !== 200 || typeof exportId !== 'string') {
    throw new Error(`audit export seed failed: ${response.status}`);
  }
  tenant.ids.auditExport = exportId;
}

/** Samples for the audit routes (spread into ROUTE_SAMPLES). */
export const AUDIT_ROUTE_SAMPLES: Record<string, RouteSample> = {
  'GET /v1/audit/events': { crossTenant: 'none', query: () => ({ limit: '5' }), ownTenantStatuses: [200] },
  'GET /v1/audit/verify': { crossTenant: 'none', ownTenantStatuses: [200] },
  'GET /v1/audit/exports': {
    crossTenant: 'none',
    query: () => ({ format: 'csv', action: 'audit.verify' }),
    ownTenantStatuses: [200],
  },
  'GET /v1/audit/exports/:exportId/manifest': {
    seed: ({ test, tenant }) => seedExport(test, tenant),
    params: ({ tenant }) => ({ exportId: tenant.ids.auditExport ?? '' }),
    ownTenantStatuses: [200],
  },
  'GET /v1/audit/patients': { crossTenant: 'none', query: () => ({ q: 'pa' }), ownTenantStatuses: [200] },
  'GET /v1/audit/checkpoint': { crossTenant: 'none', ownTenantStatuses: [200] },
  'GET /v1/audit/events/:seq/inclusion-proof': {
    crossTenant: 'none',
    params: () => ({ seq: '1' }),
    ownTenantStatuses: [200],
  },
  'GET /v1/audit/consistency-proof': { crossTenant: 'none', query: () => ({ from: '1' }), ownTenantStatuses: [200] },
};

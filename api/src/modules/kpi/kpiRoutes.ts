import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { KPIS, KPI_OWNER_ROLES, funnel, setKpiOwner } from './kpiService.js';

/** Longest history one request may ask for (two years of weeks). */
const MAX_WEEKS = 104;

/** The PHI-free acquisition funnel, for practice admins. */
export function kpiRoutes({ dataSource }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/kpi/funnel',
      access: ['admin'],
      summary: 'Leads -> appointments -> patients acquired per ISO week, with KPI owners (no PHI)',
      query: z.strictObject({ weeks: z.coerce.number().int().min(1).max(MAX_WEEKS).default(12) }),
      handle: async ({ query, context }) => ({ body: await funnel(dataSource, context, query) }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/kpi/owners/:kpi',
      access: ['admin'],
      summary: 'Assign the role that owns a KPI',
      params: z.strictObject({ kpi: z.enum(KPIS) }),
      body: z.strictObject({ ownerRole: z.enum(KPI_OWNER_ROLES) }),
      handle: async ({ params, body, context }) => ({
        body: await setKpiOwner(dataSource, context, { kpi: params.kpi, ownerRole: body.ownerRole }),
      }),
    }),
  ];
}

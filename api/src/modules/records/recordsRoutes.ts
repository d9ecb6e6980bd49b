import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { clinicalDepsOf } from './clinicalAccess.js';
import { RECORD_ACCESS_MAX, listOwnRecordAccess } from './recordAccessService.js';
import { listOwnVisitSummaries } from './visitSummaryService.js';

/** The patient's own views of their record. */
export function recordsRoutes(services: ApiServices): RouteSpec[] {
  const deps = clinicalDepsOf(services);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/visits',
      access: ['patient'],
      summary: 'My visit summaries: what was done, GFE outcomes, follow-ups',
      handle: async ({ context }) => ({ body: { visits: await listOwnVisitSummaries(deps, context) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/record-access',
      access: ['patient'],
      summary: 'Who viewed or changed my record, by person and day (from the audit trail)',
      query: z.strictObject({
        limit: z.coerce.number().int().min(1).max(RECORD_ACCESS_MAX).default(20),
        /** Opaque to clients: from the previous page's nextCursor. */
        cursor: z.coerce.number().int().min(0).max(1_000_000).optional(),
        /** IANA zone the days are counted in (the viewer's), e.g. America/New_York. */
        timeZone: z.string().regex(/^[A-Za-z0-9_+\-/]{1,64}$/).default('UTC'),
      }),
      handle: async ({ query, context }) => ({ body: await listOwnRecordAccess(deps, context, query) }),
    }),
  ];
}

import { PROVIDER_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { clinicalDepsOf } from '../records/clinicalAccess.js';
import { listGfeOutcomes } from './gfeService.js';

/** GFE outcomes per service, as decided by signed GFE notes. */
export function gfeRoutes(services: ApiServices): RouteSpec[] {
  const deps = clinicalDepsOf(services);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/gfe-outcomes',
      access: [...PROVIDER_ROLES, 'patient'],
      summary: "A patient's latest Good Faith Exam decision per service, with expiry",
      params: z.strictObject({ patientId: z.uuid() }),
      handle: async ({ params, context }) => ({ body: { outcomes: await listGfeOutcomes(deps, context, params) } }),
    }),
  ];
}

import { PROVIDER_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { endVisit, endVisitInputSchema } from './visitEnd.js';

const appointmentParams = z.strictObject({ appointmentId: z.uuid() });

/** The visit room's lifecycle beyond booking: ending a visit with its outcome. */
export function visitRoutes({ dataSource }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/end',
      access: PROVIDER_ROLES,
      summary: 'The visit’s provider ends it from the room: completed, no-show or ended early (audited as appointment.end)',
      params: appointmentParams,
      body: endVisitInputSchema,
      handle: async ({ params, body, context }) => ({ body: await endVisit(dataSource, context, params.appointmentId, body) }),
    }),
  ];
}

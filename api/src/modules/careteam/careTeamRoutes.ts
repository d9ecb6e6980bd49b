import { STAFF_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import {
  BREAK_GLASS_REVIEWERS,
  CARE_TEAM_MANAGERS,
  assignToCareTeam,
  breakGlass,
  listCareTeamAssignments,
  removeFromCareTeam,
  reviewBreakGlass,
} from './careTeamService.js';

/** Whether the text has C0 controls other than tab, LF and CR, or DEL. */
function hasControl(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** Free text without NUL or other control characters (PostgreSQL refuses NUL in text). */
const reasonSchema = z
  .string()
  .trim()
  .min(10)
  .max(500)
  .refine((text) => !hasControl(text), 'must not contain control characters');

const DEFAULT_REVIEW_DAYS = 30;
const DAY_MS = 86_400_000;

/** Care-team assignments and break-glass access (docs/access-policy.md). */
export function careTeamRoutes(services: ApiServices): RouteSpec[] {
  const { dataSource } = services;
  const patientParams = z.strictObject({ patientId: z.uuid() });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/patients/:patientId/break-glass',
      access: STAFF_ROLES,
      summary: 'Take time-boxed access to a patient’s clinical records outside the care team, with a reason (audited)',
      params: patientParams,
      body: z.strictObject({ reason: reasonSchema }),
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await breakGlass(dataSource, context, { patientId: params.patientId, reason: body.reason }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/break-glass',
      access: BREAK_GLASS_REVIEWERS,
      summary: 'Break-glass grants for compliance review (who, which patient, why, when)',
      query: z.strictObject({
        since: z.iso.datetime({ offset: true }).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      handle: async ({ query, context }) => ({
        body: {
          grants: await reviewBreakGlass(dataSource, context, {
            since: query.since === undefined ? new Date(Date.now() - DEFAULT_REVIEW_DAYS * DAY_MS) : new Date(query.since),
            limit: query.limit,
          }),
        },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/care-team',
      access: CARE_TEAM_MANAGERS,
      summary: 'A patient’s explicit care-team assignments',
      params: patientParams,
      handle: async ({ params, context }) => ({ body: { assignments: await listCareTeamAssignments(dataSource, context, params) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/patients/:patientId/care-team',
      access: CARE_TEAM_MANAGERS,
      summary: 'Assign a provider to a patient’s care team',
      params: patientParams,
      body: z.strictObject({ providerId: z.uuid() }),
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await assignToCareTeam(dataSource, context, { patientId: params.patientId, providerId: body.providerId }),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/patients/:patientId/care-team/:providerId',
      access: CARE_TEAM_MANAGERS,
      summary: 'End a provider’s assignment to a patient’s care team',
      params: z.strictObject({ patientId: z.uuid(), providerId: z.uuid() }),
      handle: async ({ params, context }) => {
        await removeFromCareTeam(dataSource, context, params);
        return { status: 204 };
      },
    }),
  ];
}

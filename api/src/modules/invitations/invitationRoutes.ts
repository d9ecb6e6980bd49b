import { PROVIDER_ROLES, createInvitationSchema, invitationLookupSchema, invitationRedeemSchema } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { createInvitation, listInvitations, lookupInvitation, redeemInvitation, revokeInvitation } from './invitationService.js';
import type { InvitationDeps } from './invitationService.js';

const appointmentParams = z.strictObject({ appointmentId: z.uuid() });
const invitationParams = z.strictObject({ appointmentId: z.uuid(), invitationId: z.uuid() });

/** Providers manage their own visits' guests (checked per visit); admins any visit's. */
const INVITATION_MANAGERS = [...PROVIDER_ROLES, 'admin'] as const;

/** The path prefix of the unauthenticated link routes, rate-limited per IP in app.ts. */
export const INVITATION_LINK_PATH_PREFIX = '/v1/invitations';

/** Visit guests: invite, list, withdraw (provider), and the guest's link (public). */
export function invitationRoutes(services: ApiServices): RouteSpec[] {
  const deps: InvitationDeps = {
    dataSource: services.dataSource,
    mailer: services.mailer,
    logger: services.logger,
    config: services.config,
    tokens: services.tokens,
    placeRoom: (roomId) => services.coordination.placeRoom(roomId),
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/invitations',
      access: INVITATION_MANAGERS,
      summary: 'The visit’s provider invites an interpreter, caregiver, family member or clinician: emails a link that works until revoked or the visit ends',
      params: appointmentParams,
      body: createInvitationSchema,
      handle: async ({ params, body, context }) => ({ status: 201, body: await createInvitation(deps, context, params.appointmentId, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/appointments/:appointmentId/invitations',
      access: INVITATION_MANAGERS,
      summary: 'Everyone invited to the visit, withdrawn invitations included; audited as visit_invitation.list',
      params: appointmentParams,
      handle: async ({ params, context }) => ({ body: { invitations: await listInvitations(deps, context, params.appointmentId) } }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/appointments/:appointmentId/invitations/:invitationId',
      access: INVITATION_MANAGERS,
      summary: 'Withdraws an invitation: its link stops working and the guest cannot be admitted again',
      params: invitationParams,
      handle: async ({ params, context }) => ({ body: await revokeInvitation(deps, context, params.appointmentId, params.invitationId) }),
    }),
    defineRoute({
      method: 'post',
      path: `${INVITATION_LINK_PATH_PREFIX}/lookup`,
      access: 'public',
      summary: 'What a guest’s link is for (practice, time, their own name); 400 for an unknown link, 410 when withdrawn or expired',
      body: invitationLookupSchema,
      handle: async ({ body }) => ({ body: await lookupInvitation(deps, body.token) }),
    }),
    defineRoute({
      method: 'post',
      path: `${INVITATION_LINK_PATH_PREFIX}/redeem`,
      access: 'public',
      summary: 'Exchanges a guest’s link for a room token (role guest) and an E2EE certificate while the invitation stands and the room is open',
      body: invitationRedeemSchema,
      handle: async ({ body, context }) => ({ status: 201, body: await redeemInvitation(deps, context, body.token, body.e2eePublicKey) }),
    }),
  ];
}

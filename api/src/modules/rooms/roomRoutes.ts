import { PROVIDER_ROLES, admissionCheckRequestSchema, roomTokenRequestSchema, sfuRoomEventSchema } from '@medspa/shared-types';
import express from 'express';
import type { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { mountRoutes } from '../../http/mountRoutes.js';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { assertRoomParticipant, issueRoomToken } from './roomTokenService.js';
import { decideAdmission, recordSfuRoomEvent } from './sfuRoomService.js';
import { loadSfuServiceKey, requireSfuService } from './sfuServiceAuth.js';
import { issueTurnCredentials } from './turnCredentials.js';
import { admitWaitingPatient, observeWaiting } from './waitingRoomService.js';
import { callerOf } from '../../kernel/index.js';

const appointmentParams = z.strictObject({ appointmentId: z.uuid() });

/** Only the visit's participants ever get a room token; the service checks which one. */
const ROOM_PARTICIPANTS = ['patient', ...PROVIDER_ROLES] as const;

/** Room tokens for the SFU and TURN credentials for the browser. */
export function roomRoutes({ dataSource, tokens, config, coordination }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/room-token',
      access: ROOM_PARTICIPANTS,
      summary: 'Short-lived token (audience medspa-sfu) to join the appointment room; patient or provider of the visit only',
      params: appointmentParams,
      // Without a body: a room token only (no E2EE certificate), e.g. for server-side tests.
      body: roomTokenRequestSchema.optional(),
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await issueRoomToken(dataSource, context, params.appointmentId, {
          tokens,
          ttlSeconds: config.ROOM_TOKEN_TTL_SECONDS,
          placeRoom: (roomId) => coordination.placeRoom(roomId),
          ...(body === undefined ? {} : { e2eePublicKey: body.e2eePublicKey }),
        }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/room-heartbeat',
      access: ROOM_PARTICIPANTS,
      summary: 'Sent every minute while a room is connected: a passive consult counts as activity for the idle logoff',
      params: appointmentParams,
      handle: async ({ params, context }) => {
        await assertRoomParticipant(dataSource, context, params.appointmentId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/turn-credentials',
      access: 'authenticated',
      summary: 'Time-limited TURN credentials (TURN REST API, coturn use-auth-secret)',
      handle: ({ context }) => {
        if (config.TURN_SECRET === undefined || config.TURN_URIS === undefined) {
          throw new AppError(503, 'turn_not_configured', 'TURN is not configured on this deployment');
        }
        const uris = config.TURN_URIS.split(',').map((uri) => uri.trim()).filter((uri) => uri.length > 0);
        return Promise.resolve({
          body: issueTurnCredentials({
            secret: config.TURN_SECRET,
            userId: callerOf(context).userId,
            ttlSeconds: config.TURN_CREDENTIAL_TTL_SECONDS,
            uris,
          }),
        });
      },
    }),
  ];
}

/** Internal endpoints the SFU calls; the paths its ApiGateway uses (sfu/src/api/apiGateway.ts). */
export function sfuServiceRoutes({ dataSource, waitingRoom, live }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/internal/sfu/admission-checks',
      // Authenticated by requireSfuService (service token), not by a user session.
      access: 'public',
      summary: 'SFU asks whether the provider may admit the patient now; audited as room.admit / room.admit_refused',
      body: admissionCheckRequestSchema,
      handle: async ({ body, context }) => {
        const decision = await decideAdmission(dataSource, context, body);
        // Guests are not on the staff's patient-waiting board.
        if (decision.allowed && body.participantRole !== 'guest') await admitWaitingPatient(waitingRoom, live, body);
        return { body: decision };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/internal/sfu/room-events',
      access: 'public',
      summary: 'SFU reports a join, leave or E2EE state; written to the audit trail',
      body: sfuRoomEventSchema,
      handle: async ({ body, context }) => {
        await recordSfuRoomEvent(dataSource, context, body);
        await observeWaiting(waitingRoom, live, body);
        return { status: 204 };
      },
    }),
  ];
}

/**
 * The SFU-only router, mounted apart from the user-facing routes: every request must carry
 * the SFU's service token. These routes are not part of the public API document.
 */
export async function sfuServiceRouter(services: ApiServices): Promise<Router> {
  const key = services.config.SFU_SERVICE_PUBLIC_JWK === undefined ? undefined : await loadSfuServiceKey(services.config.SFU_SERVICE_PUBLIC_JWK);
  const router = express.Router();
  router.use('/internal/sfu', requireSfuService(key));
  mountRoutes(router, sfuServiceRoutes(services), () => Promise.reject(new Error('internal SFU routes use service authentication')));
  return router;
}

import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { listWaitingPatients } from './waitingRoomService.js';

/** Staff who run the schedule and see who is waiting (patients never see others waiting). */
export const WAITING_ROOM_READERS = ['injector', 'medical_director', 'front_desk', 'admin'] as const;

/** The live "patient waiting" alert behind the schedule screen (fetched by the client on each live nudge, and on a slow poll). */
export function waitingRoomRoutes({ dataSource, waitingRoom }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/waiting-room',
      access: WAITING_ROOM_READERS,
      summary: 'Patients waiting in visit rooms now (name, visit, since when); each name shown is audited as waiting_room.read',
      handle: async ({ context }) => ({ body: { waiting: await listWaitingPatients(dataSource, context, waitingRoom) } }),
    }),
  ];
}

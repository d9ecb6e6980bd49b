import { randomUUID } from 'node:crypto';
import type { RoomTokenClaims, SfuRoomEvent } from '@medspa/shared-types';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { ApiGateway } from '../api/apiGateway.js';
import type { MediaLimits } from '../media/mediaLimits.js';
import type { Peer } from '../media/Peer.js';
import type { Room } from '../media/Room.js';

/** Long-lived dependencies every request handler may use. */
export interface SignalingServices {
  api: ApiGateway;
  logger: Logger;
  /** Listen addresses for WebRTC transports (from SFU_LISTEN_IP / SFU_ANNOUNCED_ADDRESS). */
  listenInfos: types.TransportListenInfo[];
  /** Caps on transports, producers and consumers per peer and per room. */
  limits: MediaLimits;
  /** Sends an audit event to the API without blocking the request (see AuditOutbox). */
  report: (event: SfuRoomEvent) => void;
  /** How long a dropped admitted peer keeps its seat as "reconnecting" (0: removed at once). */
  reconnectGraceMs: number;
}

/** One authenticated connection: who (verified token claims), where, and as which peer. */
export interface PeerSession {
  claims: RoomTokenClaims;
  room: Room;
  peer: Peer;
  services: SignalingServices;
}

/** Builds a room audit event for this session. */
export function roomEvent(session: PeerSession, type: SfuRoomEvent['type'], e2eeState?: SfuRoomEvent['e2eeState']): SfuRoomEvent {
  return {
    eventId: randomUUID(),
    type,
    practiceId: session.room.practiceId,
    appointmentId: session.room.id,
    userId: session.peer.userId,
    role: session.peer.role,
    peerId: session.peer.id,
    ...(e2eeState === undefined ? {} : { e2eeState }),
    occurredAt: new Date().toISOString(),
  };
}

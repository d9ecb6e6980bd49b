import type { ClientToServerEvents, RoomTokenClaims, ServerToClientEvents } from '@medspa/shared-types';
import type { Server, Socket } from 'socket.io';

/** What the handshake established about a connection: the verified room token claims. */
export interface SocketData {
  claims: RoomTokenClaims;
}

/** Server-to-server events: none (one SFU process per deployment unit). */
export type InterServerEvents = Record<string, never>;

export type SignalingServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type SignalingSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

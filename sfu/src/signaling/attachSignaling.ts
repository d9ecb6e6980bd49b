import { clientRequestSchemas, handshakeAuthSchema } from '@medspa/shared-types';
import type { Ack } from '@medspa/shared-types';
import type { RoomTokenVerifier } from '../auth/roomTokens.js';
import { HandshakeError } from '../auth/roomTokens.js';
import { Peer } from '../media/Peer.js';
import type { RoomRegistry } from '../media/RoomRegistry.js';
import { handlers } from './handlers/index.js';
import type { ClientEvent } from './handlers/types.js';
import type { PeerSession, SignalingServices } from './PeerSession.js';
import { roomEvent } from './PeerSession.js';
import { RequestBudget } from './RequestBudget.js';
import { SignalingError } from './SignalingError.js';
import type { SignalingServer, SignalingSocket } from './socketTypes.js';

/** An Error socket.io passes to the client as `connect_error` with `data`. */
function refusal(code: string, message: string): Error & { data: { code: string } } {
  return Object.assign(new Error(message), { data: { code } });
}

/** Paths and reasons only: never echo values (they could be tokens). */
function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(payload)'}: ${issue.message}`)
    .join('; ');
}

/** socket.io disconnect reasons that mean the network went away, not that anyone chose to leave. */
const DROPPED_CONNECTION_REASONS = new Set<string>(['transport close', 'transport error', 'ping timeout']);

/** Burst a client may send (media setup needs ~10-20 requests), and the sustained rate after it. */
const REQUEST_BURST = 100;
const REQUESTS_PER_SECOND = 20;

/** Registers one client event: validate -> handle -> ack, with errors mapped to codes. */
function bind(socket: SignalingSocket, ready: Promise<PeerSession | undefined>, budget: RequestBudget, event: ClientEvent): void {
  const listener = async (payload: unknown, ack: unknown): Promise<void> => {
    if (typeof ack !== 'function') return; // Every request is answered through its ack.
    const reply = ack as (result: Ack<unknown>) => void;
    if (!budget.take()) {
      reply({ ok: false, error: { code: 'rate_limited', message: 'Too many requests; slow down' } });
      return;
    }
    const session = await ready;
    if (session === undefined) {
      reply({ ok: false, error: { code: 'room_unavailable', message: 'Room is not available' } });
      return;
    }
    const parsed = clientRequestSchemas[event].safeParse(payload);
    if (!parsed.success) {
      reply({ ok: false, error: { code: 'validation_failed', message: describeIssues(parsed.error.issues) } });
      return;
    }
    try {
      const data = await handlers[event](session, parsed.data as never);
      reply({ ok: true, data });
    } catch (error) {
      if (error instanceof SignalingError) {
        reply({ ok: false, error: { code: error.code, message: error.message, ...(error.reason === undefined ? {} : { reason: error.reason }) } });
        return;
      }
      session.services.logger.error({ event, roomId: session.room.id, peerId: session.peer.id, reason: (error as Error).message }, 'signaling request failed');
      reply({ ok: false, error: { code: 'internal_error', message: 'Request failed' } });
    }
  };
  // socket.io's typed `on` cannot be expressed for a generic event name; the listener is
  // equivalent to ClientToServerEvents[E] after runtime validation.
  (socket as unknown as { on: (name: string, fn: (...args: unknown[]) => void) => void }).on(event, (payload, ack) => {
    void listener(payload, ack);
  });
}

export interface SignalingDependencies {
  io: SignalingServer;
  rooms: RoomRegistry;
  verifyRoomToken: RoomTokenVerifier;
  services: SignalingServices;
  /** This node's id when several SFU nodes share the rooms: tokens placed elsewhere are refused. */
  nodeId?: string;
}

/**
 * Authenticated signaling: a connection is accepted only with a valid room token for the
 * room it names; each accepted socket becomes one Peer of that Room.
 */
export function attachSignaling({ io, rooms, verifyRoomToken, services, nodeId }: SignalingDependencies): void {
  io.use((socket, next) => {
    const auth = handshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!auth.success) {
      next(refusal('invalid_handshake', 'Connect with { roomId, token }'));
      return;
    }
    verifyRoomToken(auth.data.token, auth.data.roomId)
      .then((claims) => {
        if (nodeId !== undefined && claims.node !== nodeId) {
          // The API placed the room on another node (or placed it anew after this one was
          // thought dead): serving it here would split the consult across two routers.
          throw new HandshakeError('wrong_node', 'This room is served by another media server; request a new room token');
        }
        socket.data.claims = claims;
        next();
      })
      .catch((error: unknown) => {
        const code = error instanceof HandshakeError ? error.code : 'invalid_token';
        services.logger.info({ code, roomId: auth.data.roomId }, 'signaling connection refused');
        next(refusal(code, error instanceof HandshakeError ? error.message : 'Room token is not valid'));
      });
  });

  io.on('connection', (socket) => {
    // Handlers are bound synchronously so no early request is lost while the room opens.
    const ready = openSession(socket, rooms, services);
    const budget = new RequestBudget(REQUEST_BURST, REQUESTS_PER_SECOND);
    for (const event of Object.keys(handlers) as ClientEvent[]) {
      bind(socket, ready, budget, event);
    }
  });
}

/** Places the connection in its room as a new Peer; undefined if the room cannot be opened. */
async function openSession(socket: SignalingSocket, rooms: RoomRegistry, services: SignalingServices): Promise<PeerSession | undefined> {
  const { claims } = socket.data;
  let room;
  try {
    room = await rooms.getOrCreate(claims.room, claims.practice);
    // The last peer may have left (closing the room) while this one was being placed.
    if (room.closed) room = await rooms.getOrCreate(claims.room, claims.practice);
  } catch (error) {
    services.logger.error({ roomId: claims.room, reason: (error as Error).message }, 'room unavailable');
    socket.disconnect(true);
    return undefined;
  }
  if (room.practiceId !== claims.practice) {
    // Appointment ids are unique across practices; a mismatch means a forged or buggy token.
    socket.disconnect(true);
    return undefined;
  }
  const peer = new Peer(claims.sub, claims.role, {
    emit: (event, ...args) => socket.emit(event, ...args),
    disconnect: () => socket.disconnect(true),
  });
  const session: PeerSession = { claims, room, peer, services };
  const onGone = (): void => {
    const wasAdmitted = peer.state === 'admitted' || peer.state === 'reconnecting';
    const hadJoined = peer.state !== 'lobby' && peer.state !== 'closed';
    peer.close();
    room.removePeer(peer);
    if (hadJoined) services.report(roomEvent(session, 'room.leave'));
    if (wasAdmitted) room.broadcast(undefined, 'peerLeft', { peerId: peer.id });
    room.publishWaitingList();
    rooms.closeIfEmpty(room);
  };
  if (socket.disconnected) {
    rooms.closeIfEmpty(room);
    return undefined;
  }
  const previous = room.addPeer(peer);
  socket.on('disconnect', (reason) => {
    // A dropped network (not a leave, a replacement or the end of the visit) keeps the seat
    // for a while, so the other side sees "reconnecting..." instead of a vanished tile.
    if (DROPPED_CONNECTION_REASONS.has(reason) && peer.state === 'admitted' && !room.closed && services.reconnectGraceMs > 0) {
      peer.holdSeat(services.reconnectGraceMs, onGone);
      room.broadcast(peer, 'peerReconnecting', { peerId: peer.id });
      return;
    }
    onGone();
  });
  if (previous !== undefined) {
    // The same user connected again (new tab, network change): the newest connection wins.
    previous.send('replaced', {});
    previous.disconnect();
  }
  return session;
}

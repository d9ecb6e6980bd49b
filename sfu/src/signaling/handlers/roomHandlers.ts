import type { JoinResult } from '@medspa/shared-types';
import { ApiUnavailableError } from '../../api/apiGateway.js';
import type { Peer } from '../../media/Peer.js';
import type { Room } from '../../media/Room.js';
import { roomEvent } from '../PeerSession.js';
import { SignalingError } from '../SignalingError.js';
import type { HandlerMap } from './types.js';

/** Lets a peer into the consult and tells everyone already there. */
function enter(room: Room, peer: Peer): JoinResult {
  room.admit(peer);
  room.broadcast(peer, 'peerJoined', peer.info);
  room.publishWaitingList();
  return room.admittedView(peer);
}

/**
 * Waiting room flow: providers enter directly; a patient waits until a provider admits them,
 * unless they were admitted earlier (reconnect after a drop, or a room moved between nodes).
 */
export const roomHandlers: HandlerMap<'join' | 'admit' | 'removeGuest' | 'reportE2eeState' | 'leave'> = {
  join: (session) => {
    const { peer, room } = session;
    if (peer.state === 'admitted') {
      // Media rejoin on the same seat (reconnectRequired, or a transport whose ICE restart
      // failed): the client sets up new transports, so the old ones go now. Left open they
      // count against the per-peer cap (a second rejoin got limit_reached) and the others
      // kept consuming producers nobody feeds; closing them sends those consumerClosed.
      peer.closeMedia();
      return Promise.resolve(room.admittedView(peer));
    }
    const firstJoin = peer.state === 'lobby';
    if (firstJoin) session.services.report(roomEvent(session, 'room.join'));
    // `admitted` in the token: the API recorded an earlier admission (e.g. before the room
    // moved to this node), so the patient does not wait to be admitted twice.
    if (peer.role === 'provider' || room.wasAdmitted(peer.userId) || session.claims.admitted === true) {
      return Promise.resolve(enter(room, peer));
    }
    peer.markWaiting();
    room.publishWaitingList();
    return Promise.resolve({ status: 'waiting' });
  },

  admit: async (session, { peerId }) => {
    const { peer: provider, room, services } = session;
    if (provider.role !== 'provider') {
      throw new SignalingError('not_provider', 'Only the provider admits participants');
    }
    provider.assertAdmitted();
    const patient = room.peer(peerId);
    if (patient?.state !== 'waiting') {
      throw new SignalingError('peer_not_found', 'Nobody with that id is waiting');
    }
    let decision;
    try {
      // The API checks consent and licensure and audits room.admit / room.admit_refused.
      decision = await services.api.checkAdmission({
        practiceId: room.practiceId,
        appointmentId: room.id,
        patientUserId: patient.userId,
        providerUserId: provider.userId,
        // A guest's id is their invitation's: the API checks that it still stands.
        ...(patient.role === 'guest' ? { participantRole: 'guest' as const } : {}),
      });
    } catch (error) {
      if (error instanceof ApiUnavailableError) {
        // Fail closed: no admission without the API's word.
        throw new SignalingError('admission_unavailable', 'Admission could not be checked; try again');
      }
      throw error;
    }
    if (!decision.allowed) {
      // Both sides learn why: the patient must not wait forever for an admission that failed.
      if (room.peer(peerId)?.state === 'waiting') patient.send('admissionRefused', { reason: decision.reason });
      throw new SignalingError('admission_refused', 'The API refused this admission', decision.reason);
    }
    if (room.peer(peerId)?.state !== 'waiting') {
      // They left (or were admitted by another provider) while the API was deciding.
      throw new SignalingError('peer_not_found', 'The participant left the waiting room');
    }
    patient.send('admitted', enter(room, patient));
    return { peerId: patient.id };
  },

  /**
   * The provider removes a guest (their invitation was just withdrawn): the guest is told,
   * loses the remembered admission (a reconnect with a still-valid room token waits again, and
   * the API refuses to admit a withdrawn invitation) and is disconnected. Everyone else sees
   * peerLeft and rotates their media key, so the guest reads nothing sent from then on.
   */
  removeGuest: (session, { peerId }) => {
    const { peer: provider, room } = session;
    if (provider.role !== 'provider') {
      throw new SignalingError('not_provider', 'Only the provider removes participants');
    }
    provider.assertAdmitted();
    const guest = room.peer(peerId);
    if (guest?.role !== 'guest') {
      throw new SignalingError('peer_not_found', 'No guest with that id is here');
    }
    room.forgetAdmission(guest.userId);
    guest.send('removed', {});
    // After the current tick, so the notice leaves before the socket closes.
    setImmediate(() => {
      guest.disconnect();
    });
    return Promise.resolve({ peerId: guest.id });
  },

  reportE2eeState: (session, { state }) => {
    session.peer.assertAdmitted();
    session.services.report(roomEvent(session, 'room.e2ee_state', state));
    return Promise.resolve({});
  },

  leave: (session) => {
    // The socket's disconnect handler does the cleanup and the room.leave audit event.
    setImmediate(() => {
      session.peer.disconnect();
    });
    return Promise.resolve({});
  },
};

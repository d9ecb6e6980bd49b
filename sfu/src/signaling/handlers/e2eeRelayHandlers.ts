import { SignalingError } from '../SignalingError.js';
import type { HandlerMap } from './types.js';

/**
 * Relays E2EE key-exchange signals between admitted peers of the same room. The payload is
 * opaque here (public keys, sealed media keys): the SFU only routes it and stamps the
 * sender's peer id, so a browser cannot claim to be someone else. Nothing is logged.
 */
export const e2eeRelayHandlers: HandlerMap<'e2eeSignal'> = {
  e2eeSignal: (session, { to, signal }) => {
    const { peer, room } = session;
    peer.assertAdmitted();
    const payload = { from: peer.id, signal };
    if (to === null) {
      room.broadcast(peer, 'e2eeSignal', payload);
      return Promise.resolve({});
    }
    const target = room.peer(to);
    if (target === undefined || target === peer || target.state !== 'admitted') {
      throw new SignalingError('peer_not_found', 'No admitted peer with that id');
    }
    target.send('e2eeSignal', payload);
    return Promise.resolve({});
  },
};

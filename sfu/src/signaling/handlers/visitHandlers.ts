import { SignalingError } from '../SignalingError.js';
import type { HandlerMap } from './types.js';

/**
 * The visit around the media: in-call chat and ending the visit.
 *
 * Chat is relayed exactly like the E2EE key exchange: the payload is ciphertext sealed by the
 * sender's browser (client/src/e2ee/chatCrypto.ts), the SFU stamps the sender's peer id and
 * forwards it to the other admitted peers. It is never stored, queued for later or logged.
 */
export const visitHandlers: HandlerMap<'chat' | 'endVisit'> = {
  chat: ({ peer, room }, { sealed }) => {
    peer.assertAdmitted();
    room.broadcast(peer, 'chat', { from: peer.id, sealed });
    return Promise.resolve({});
  },

  endVisit: ({ peer, room }, { outcome }) => {
    if (peer.role !== 'provider') {
      throw new SignalingError('not_provider', 'Only the provider ends the visit');
    }
    peer.assertAdmitted();
    // The provider's browser asks only after the API recorded the outcome; the room token
    // for a closed appointment is refused from then on, so nobody can come back in.
    room.endVisit(outcome);
    return Promise.resolve({});
  },
};

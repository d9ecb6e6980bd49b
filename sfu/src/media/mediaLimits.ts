import { SignalingError } from '../signaling/SignalingError.js';

/**
 * Caps on the mediasoup objects one peer and one room may hold. Every object costs worker
 * memory and CPU; without caps one admitted peer could exhaust a worker shared by other
 * consults. A consult needs 2 transports, 2 producers and a few consumers per peer, so the
 * defaults leave room for reconnects (a restarted transport is closed before its successor)
 * and a third participant, and nothing more.
 */
export interface MediaLimits {
  transportsPerPeer: number;
  producersPerPeer: number;
  consumersPerPeer: number;
  transportsPerRoom: number;
  producersPerRoom: number;
  consumersPerRoom: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  transportsPerPeer: 4,
  producersPerPeer: 4,
  consumersPerPeer: 16,
  transportsPerRoom: 16,
  producersPerRoom: 16,
  consumersPerRoom: 48,
};

export type MediaObjectKind = 'transport' | 'producer' | 'consumer';

/** What a peer or room currently holds, per kind. */
export type MediaCounts = Record<MediaObjectKind, number>;

const PEER_LIMIT: Record<MediaObjectKind, keyof MediaLimits> = {
  transport: 'transportsPerPeer',
  producer: 'producersPerPeer',
  consumer: 'consumersPerPeer',
};
const ROOM_LIMIT: Record<MediaObjectKind, keyof MediaLimits> = {
  transport: 'transportsPerRoom',
  producer: 'producersPerRoom',
  consumer: 'consumersPerRoom',
};

/** Refuses (before anything is created) one more object of `kind` past a peer or room cap. */
export function assertWithinLimits(limits: MediaLimits, kind: MediaObjectKind, peer: MediaCounts, room: MediaCounts): void {
  if (peer[kind] >= limits[PEER_LIMIT[kind]]) {
    throw new SignalingError('limit_reached', `You already have the most ${kind}s one participant may open`);
  }
  if (room[kind] >= limits[ROOM_LIMIT[kind]]) {
    throw new SignalingError('limit_reached', `This room already has the most ${kind}s it may hold`);
  }
}

import type { types } from 'mediasoup';
import { assertWithinLimits } from '../../media/mediaLimits.js';
import type { MediaObjectKind } from '../../media/mediaLimits.js';
import { roomEvent } from '../PeerSession.js';
import type { PeerSession } from '../PeerSession.js';
import { SignalingError } from '../SignalingError.js';
import type { HandlerMap } from './types.js';

/** Starting estimate for the downlink (bps) before bandwidth estimation has data. */
const INITIAL_OUTGOING_BITRATE = 1_000_000;

type MediaEvent =
  | 'createTransport'
  | 'connectTransport'
  | 'restartIce'
  | 'produce'
  | 'closeProducer'
  | 'consume'
  | 'resumeConsumer'
  | 'requestKeyFrame'
  | 'setPreferredLayers';

function assertRoomFor(session: PeerSession, kind: MediaObjectKind): void {
  assertWithinLimits(session.services.limits, kind, session.peer.mediaCounts, session.room.mediaCounts);
}

/**
 * WebRTC media requests of an admitted peer. There is deliberately no request that records,
 * pipes or taps media: the SFU only forwards encrypted frames between participants.
 */
export const mediaHandlers: HandlerMap<MediaEvent> = {
  createTransport: async (session, { direction }) => {
    const { peer, room, services } = session;
    peer.assertAdmitted();
    assertRoomFor(session, 'transport');
    const transport = await room.router.createWebRtcTransport({
      listenInfos: services.listenInfos,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
      appData: { direction },
    });
    peer.addTransport(transport);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters as unknown as Record<string, unknown>,
      iceCandidates: transport.iceCandidates as unknown as Record<string, unknown>[],
      dtlsParameters: transport.dtlsParameters as unknown as Record<string, unknown>,
    };
  },

  connectTransport: async ({ peer }, { transportId, dtlsParameters }) => {
    peer.assertAdmitted();
    await peer.transport(transportId).connect({ dtlsParameters: dtlsParameters as unknown as types.DtlsParameters });
    return {};
  },

  restartIce: async ({ peer }, { transportId }) => {
    peer.assertAdmitted();
    const iceParameters = await peer.transport(transportId).restartIce();
    return { iceParameters: iceParameters as unknown as Record<string, unknown> };
  },

  produce: async (session, { transportId, kind, rtpParameters, appData }) => {
    const { peer, room, services } = session;
    peer.assertAdmitted();
    if (!appData.e2ee) {
      // E2EE is required (docs/product.md "Platform"). The SFU cannot see whether frames are encrypted, so the client
      // must declare it; the E2EE end-to-end test proves what actually reaches the server.
      throw new SignalingError('e2ee_required', 'Media must be end-to-end encrypted');
    }
    assertRoomFor(session, 'producer');
    const transport = peer.transport(transportId);
    if (transport.appData.direction !== 'send') {
      throw new SignalingError('transport_not_found', 'Produce on a send transport');
    }
    const producer = await transport.produce({
      kind,
      rtpParameters: rtpParameters as unknown as types.RtpParameters,
      appData: { e2ee: true, source: appData.source },
    });
    peer.addProducer(producer);
    room.broadcast(peer, 'newProducer', { producerId: producer.id, peerId: peer.id, kind });
    services.report(roomEvent(session, 'room.e2ee_state', 'producer_e2ee'));
    return { producerId: producer.id };
  },

  closeProducer: ({ peer }, { producerId }) => {
    peer.producer(producerId).close();
    return Promise.resolve({});
  },

  consume: async (session, { transportId, producerId, rtpCapabilities }) => {
    const { peer, room } = session;
    peer.assertAdmitted();
    assertRoomFor(session, 'consumer');
    const transport = peer.transport(transportId);
    if (transport.appData.direction !== 'recv') {
      throw new SignalingError('transport_not_found', 'Consume on a receive transport');
    }
    const source = room.findProducer(producerId);
    if (source === undefined || source.peer === peer) {
      throw new SignalingError('producer_not_found', 'No such producer in this room');
    }
    const capabilities = rtpCapabilities as unknown as types.RtpCapabilities;
    if (!room.router.canConsume({ producerId, rtpCapabilities: capabilities })) {
      throw new SignalingError('cannot_consume', 'Your device cannot receive this media');
    }
    // Paused until the client has wired its track: no packets (or keyframe requests) are lost.
    const consumer = await transport.consume({ producerId, rtpCapabilities: capabilities, paused: true });
    peer.addConsumer(consumer);
    consumer.on('producerclose', () => {
      peer.send('consumerClosed', { consumerId: consumer.id });
    });
    return {
      consumerId: consumer.id,
      producerId,
      peerId: source.peer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
    };
  },

  resumeConsumer: async ({ peer }, { consumerId }) => {
    await peer.consumer(consumerId).resume();
    return {};
  },

  requestKeyFrame: async ({ peer }, { consumerId }) => {
    await peer.consumer(consumerId).requestKeyFrame();
    return {};
  },

  setPreferredLayers: async ({ peer }, { consumerId, spatialLayer, temporalLayer }) => {
    // Simulcast: the receiver picks a layer (e.g. a small tile); the SFU forwards only that one.
    await peer.consumer(consumerId).setPreferredLayers({ spatialLayer, ...(temporalLayer === undefined ? {} : { temporalLayer }) });
    return {};
  },
};

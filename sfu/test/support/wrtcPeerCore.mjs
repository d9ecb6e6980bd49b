// Headless WebRTC participants: @roamhq/wrtc (libwebrtc in Node) driven by mediasoup-client,
// exactly as a browser uses the signaling protocol. Shared by wrtcPeer.mjs (one peer per
// process, for the SFU tests) and bench/wrtc-peer-host.mjs (many peers per process, for the
// cluster load bench), so both exercise the same join / admit / produce / consume code.
//
// Import this only in a process that ends with an explicit process.exit(): @roamhq/wrtc
// crashes while Node exits naturally.
import { randomFillSync } from 'node:crypto';
import wrtc from '@roamhq/wrtc';
import { Device } from 'mediasoup-client';
import { io } from 'socket.io-client';

// mediasoup-client's Chrome111 handler uses the browser globals; wrtc provides them.
Object.assign(globalThis, {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  MediaStream: wrtc.MediaStream,
  MediaStreamTrack: wrtc.MediaStreamTrack,
});

/**
 * A synthetic camera: I420 frames whose luma changes every frame, so the encoder keeps
 * sending. One camera can feed many peers (each peer connection encodes it on its own).
 * A flat frame compresses to a few kbit/s; `noise` (random luma over a quarter of the frame)
 * costs about what a real camera's detail does, for load tests.
 * @param {{ width: number, height: number, fps: number, noise?: boolean }} options
 */
export function syntheticCamera({ width, height, fps, noise = false }) {
  const source = new wrtc.nonstandard.RTCVideoSource();
  const track = source.createTrack();
  const frame = new Uint8ClampedArray((width * height * 3) / 2);
  const luma = frame.subarray(0, width * height);
  // Random rows over a quarter of the picture: roughly a camera's bitrate at this size.
  const detail = luma.subarray(0, width * Math.ceil(height / 4));
  frame.fill(128, width * height);
  let tick = 0;
  setInterval(() => {
    tick += 1;
    luma.fill(tick % 256);
    if (noise) randomFillSync(detail);
    source.onFrame({ width, height, data: frame });
  }, 1000 / fps).unref();
  return track;
}

/** A synthetic microphone: a 440 Hz tone, 48 kHz mono, in the 10 ms chunks libwebrtc expects. */
export function syntheticMicrophone() {
  const source = new wrtc.nonstandard.RTCAudioSource();
  const track = source.createTrack();
  const sampleRate = 48_000;
  const samples = new Int16Array(sampleRate / 100);
  let t = 0;
  setInterval(() => {
    for (let i = 0; i < samples.length; i += 1) {
      samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (t + i)) / sampleRate));
    }
    t += samples.length;
    source.onData({ samples, sampleRate, bitsPerSample: 16, channelCount: 1, numberOfFrames: samples.length });
  }, 10).unref();
  return track;
}

/**
 * Joins a room and runs one participant until close(). Reports to `report`:
 * joined, admitted, media, receiving (per media generation, after `framesToReport` decoded
 * frames), reconnectRequired, transportState, retry, disconnected, error. A provider admits whoever waits.
 *
 * Recovers the way the web client does (client/src/room/RoomConnection.ts): a transport that
 * goes "disconnected" or "failed" gets one ICE restart (RFC 8445 §9); failing again, or a
 * failed restart, rebuilds the media on the same seat (join again, new transports). A provider
 * whose admission the SFU could not check (admission_unavailable, "try again in a moment"
 * in the provider's screen) asks again after `admitRetryMs`, as a person clicking again would.
 * Each such step is reported as { type: 'retry', kind } so a load test can count them apart
 * from failures.
 *
 * @param {object} options
 * @param {string} options.sfuUrl
 * @param {string} options.roomId
 * @param {string} options.token room token from the API
 * @param {'patient' | 'provider'} options.role
 * @param {object} [options.ice] {"iceServers": [...], "iceTransportPolicy": "relay"} to force TURN
 * @param {MediaStreamTrack[]} options.tracks what this participant sends (video and/or audio)
 * @param {(message: object) => void} options.report
 * @param {number} [options.framesToReport] frames a video consumer decodes before `receiving`
 * @param {boolean} [options.keepSinks] false: stop converting decoded frames into JS once
 *   `receiving` was reported (decoding goes on; getStats still counts frames)
 * @param {number} [options.maxVideoBitrate] bits/s cap of the video encoding
 * @param {number} [options.admitRetries] admission_unavailable answers a provider retries (0: none)
 * @param {number} [options.admitRetryMs] pause before asking again
 */
export function startPeer({ sfuUrl, roomId, token, role, ice = {}, tracks, report, framesToReport = 10, keepSinks = true, maxVideoBitrate, admitRetries = 0, admitRetryMs = 1000 }) {
  const socket = io(sfuUrl, { auth: { roomId, token }, transports: ['websocket'], reconnection: false, forceNew: true });

  function request(event, payload) {
    return new Promise((resolve, reject) => {
      socket.timeout(20_000).emit(event, payload, (timeoutError, result) => {
        if (timeoutError) reject(Object.assign(new Error(`${event} timed out`), { code: 'timeout' }));
        else if (result.ok) resolve(result.data);
        else reject(Object.assign(new Error(result.error.message), { code: result.error.code }));
      });
    });
  }

  let generation = 0;
  let media;
  /** Producers announced while media was still being set up; consumed once it is ready. */
  let announced = [];

  function closeMedia() {
    if (media === undefined) return;
    media.sendTransport.close();
    media.recvTransport.close();
    for (const sink of media.sinks) sink.stop();
    media = undefined;
  }

  async function createTransport(device, direction) {
    const info = await request('createTransport', { direction });
    const options = { id: info.id, iceParameters: info.iceParameters, iceCandidates: info.iceCandidates, dtlsParameters: info.dtlsParameters, ...ice };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected' || state === 'failed' || state === 'disconnected') report({ type: 'transportState', direction, state });
      if (state === 'connected') iceRestarted.delete(transport.id);
      if (state === 'disconnected' || state === 'failed') void recoverTransport(transport, direction, state === 'failed');
    });
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request('connectTransport', { transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        request('produce', { transportId: transport.id, kind, rtpParameters, appData })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }

  /** Transports that had their one ICE restart since they were last connected. */
  const iceRestarted = new Set();

  async function recoverTransport(transport, direction, failed) {
    if (!socket.connected || transport.closed) return;
    if (failed && iceRestarted.has(transport.id)) {
      rejoinMedia('media_rejoin');
      return;
    }
    iceRestarted.add(transport.id);
    report({ type: 'retry', kind: 'ice_restart', direction });
    try {
      const { iceParameters } = await request('restartIce', { transportId: transport.id });
      await transport.restartIce({ iceParameters });
    } catch {
      if (socket.connected && !transport.closed) rejoinMedia('media_rejoin');
    }
  }

  /** New transports, producers and consumers on the same seat (the SFU keeps the admission). */
  function rebuildMedia() {
    closeMedia();
    request('join', {})
      .then((joinResult) => startMedia(joinResult))
      .catch(reportError);
  }

  function rejoinMedia(kind) {
    report({ type: 'retry', kind });
    rebuildMedia();
  }

  async function consume(current, { producerId }) {
    const info = await request('consume', {
      transportId: current.recvTransport.id,
      producerId,
      rtpCapabilities: current.device.recvRtpCapabilities,
    });
    const consumer = await current.recvTransport.consume({
      id: info.consumerId,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters,
    });
    await request('resumeConsumer', { consumerId: info.consumerId });
    if (consumer.kind !== 'video') return;
    const sink = new wrtc.nonstandard.RTCVideoSink(consumer.track);
    current.sinks.push(sink);
    let frames = 0;
    sink.onframe = ({ frame: received }) => {
      frames += 1;
      if (frames === framesToReport && media === current) {
        report({ type: 'receiving', generation: current.generation, width: received.width, height: received.height });
        if (!keepSinks) sink.stop();
      }
    };
  }

  async function startMedia(joinResult) {
    closeMedia();
    generation += 1;
    const device = new Device({ handlerName: 'Chrome111' });
    await device.load({ routerRtpCapabilities: joinResult.routerRtpCapabilities });
    const sendTransport = await createTransport(device, 'send');
    const recvTransport = await createTransport(device, 'recv');
    const current = { generation, device, sendTransport, recvTransport, sinks: [] };
    media = current;
    // The E2EE declaration the SFU requires (wrtc cannot transform frames; the Chromium test
    // covers actual encryption).
    for (const track of tracks) {
      const encodings = track.kind === 'video' && maxVideoBitrate !== undefined ? { encodings: [{ maxBitrate: maxVideoBitrate }] } : {};
      await sendTransport.produce({ track, stopTracks: false, ...encodings, appData: { e2ee: true, source: track.kind === 'video' ? 'camera' : 'microphone' } });
    }
    const pending = [...(joinResult.producers ?? []), ...announced];
    announced = [];
    const seen = new Set();
    for (const producer of pending) {
      if (seen.has(producer.producerId)) continue;
      seen.add(producer.producerId);
      await consume(current, producer).catch(consumeFailed);
    }
    report({ type: 'media', generation });
  }

  const reportError = (error) => report({ type: 'error', code: error?.code ?? 'unhandled', message: String(error?.message ?? error) });
  // The other side rebuilt its media meanwhile: its new producer is announced again (the web
  // client ignores this failure the same way).
  const consumeFailed = (error) => {
    if (error?.code === 'producer_not_found') report({ type: 'retry', kind: 'stale_producer' });
    else reportError(error);
  };

  socket.on('connect_error', (error) => {
    report({ type: 'error', code: error.data?.code ?? 'connect_error', message: error.message });
  });
  socket.on('disconnect', (reason) => {
    report({ type: 'disconnected', reason });
  });
  socket.on('newProducer', (producer) => {
    if (media !== undefined) consume(media, producer).catch(consumeFailed);
    else announced.push(producer);
  });
  socket.on('admitted', (joinResult) => {
    report({ type: 'admitted' });
    startMedia(joinResult).catch(reportError);
  });
  socket.on('waitingRoom', ({ waiting }) => {
    if (role !== 'provider') return;
    for (const peer of waiting) admit(peer.peerId, admitRetries);
  });
  function admit(peerId, retriesLeft) {
    request('admit', { peerId }).catch((error) => {
      if (error?.code === 'admission_unavailable' && retriesLeft > 0) {
        report({ type: 'retry', kind: 'admit', code: error.code });
        setTimeout(() => admit(peerId, retriesLeft - 1), admitRetryMs);
      } else {
        reportError(error);
      }
    });
  }
  socket.on('reconnectRequired', ({ reason }) => {
    report({ type: 'reconnectRequired', reason });
    announced = []; // Producers of the lost router are gone.
    rebuildMedia();
  });
  socket.on('connect', () => {
    request('join', {})
      .then(async (joinResult) => {
        report({ type: 'joined', status: joinResult.status });
        if (joinResult.status === 'admitted') await startMedia(joinResult);
      })
      .catch(reportError);
  });

  return {
    /**
     * Counters of this peer's current media (standard getStats: inbound-rtp of what it
     * receives, outbound-rtp of what it sends), summed per kind; undefined before media.
     */
    async stats() {
      const current = media;
      if (current === undefined) return undefined;
      const [received, sent] = await Promise.all([current.recvTransport.getStats(), current.sendTransport.getStats()]);
      const totals = { generation: current.generation, inbound: {}, outbound: {} };
      const add = (bucket, kind, stat, fields) => {
        const target = (bucket[kind] ??= {});
        for (const field of fields) if (typeof stat[field] === 'number') target[field] = (target[field] ?? 0) + stat[field];
      };
      for (const stat of received.values()) {
        if (stat.type === 'inbound-rtp') {
          add(totals.inbound, stat.kind ?? stat.mediaType, stat, ['packetsReceived', 'packetsLost', 'bytesReceived', 'framesDecoded', 'framesReceived', 'framesDropped', 'nackCount', 'pliCount', 'firCount']);
        }
      }
      for (const stat of sent.values()) {
        if (stat.type === 'outbound-rtp') {
          add(totals.outbound, stat.kind ?? stat.mediaType, stat, ['packetsSent', 'bytesSent', 'framesEncoded', 'framesSent', 'nackCount', 'pliCount', 'retransmittedPacketsSent']);
        }
      }
      return totals;
    },
    close() {
      closeMedia();
      socket.close();
    },
  };
}

// A headless WebRTC participant for the SFU media tests: @roamhq/wrtc (libwebrtc in Node)
// driven by mediasoup-client, exactly as a browser would use the signaling protocol.
//
// Runs in its own process because @roamhq/wrtc crashes while Node exits naturally; the parent
// test sends { type: 'exit' } and this process ends with an explicit process.exit().
//
// usage (fork): wrtcPeer.mjs <sfuUrl> <roomId> <roomToken> <patient|provider> [iceJson]
//   iceJson: {"iceServers": [...], "iceTransportPolicy": "relay"} to force media through TURN.
// reports to the parent over IPC: joined, admitted, receiving (per media generation), error.
import wrtc from '@roamhq/wrtc';
import { Device } from 'mediasoup-client';
import { io } from 'socket.io-client';

const [sfuUrl, roomId, token, role, iceJson] = process.argv.slice(2);
const ice = iceJson === undefined ? {} : JSON.parse(iceJson);
const report = (message) => process.send?.(message);

// mediasoup-client's Chrome111 handler uses the browser globals; wrtc provides them.
Object.assign(globalThis, {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  MediaStream: wrtc.MediaStream,
  MediaStreamTrack: wrtc.MediaStreamTrack,
});

const WIDTH = 320;
const HEIGHT = 240;
/** Frames a consumer must decode before this peer reports that it receives video. */
const FRAMES_TO_REPORT = 10;
const WATCHDOG_MS = 180_000;

setTimeout(() => {
  report({ type: 'error', code: 'watchdog', message: 'peer ran too long' });
  process.exit(2);
}, WATCHDOG_MS).unref();

process.on('message', (message) => {
  if (message?.type === 'exit') process.exit(0);
});
process.on('unhandledRejection', (error) => {
  report({ type: 'error', code: error?.code ?? 'unhandled', message: String(error?.message ?? error) });
});

// A synthetic camera: I420 frames whose luma changes every frame, so the encoder keeps sending.
const source = new wrtc.nonstandard.RTCVideoSource();
const cameraTrack = source.createTrack();
const frame = new Uint8ClampedArray((WIDTH * HEIGHT * 3) / 2);
let tick = 0;
setInterval(() => {
  tick += 1;
  frame.fill(tick % 256, 0, WIDTH * HEIGHT);
  frame.fill(128, WIDTH * HEIGHT);
  source.onFrame({ width: WIDTH, height: HEIGHT, data: frame });
}, 1000 / 15).unref();

const socket = io(sfuUrl, { auth: { roomId, token }, transports: ['websocket'], reconnection: false });

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
    if (state === 'connected' || state === 'failed') report({ type: 'transportState', direction, state });
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
    if (frames === FRAMES_TO_REPORT && media === current) {
      report({ type: 'receiving', generation: current.generation, width: received.width, height: received.height });
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
  await sendTransport.produce({ track: cameraTrack, stopTracks: false, appData: { e2ee: true, source: 'camera' } });
  const pending = [...(joinResult.producers ?? []), ...announced];
  announced = [];
  const seen = new Set();
  for (const producer of pending) {
    if (seen.has(producer.producerId)) continue;
    seen.add(producer.producerId);
    await consume(current, producer);
  }
  report({ type: 'media', generation });
}

socket.on('connect_error', (error) => {
  report({ type: 'error', code: error.data?.code ?? 'connect_error', message: error.message });
});
socket.on('newProducer', (producer) => {
  if (media !== undefined) void consume(media, producer);
  else announced.push(producer);
});
socket.on('admitted', (joinResult) => {
  report({ type: 'admitted' });
  void startMedia(joinResult);
});
socket.on('waitingRoom', ({ waiting }) => {
  if (role !== 'provider') return;
  for (const peer of waiting) {
    request('admit', { peerId: peer.peerId }).catch((error) => report({ type: 'error', code: error.code, message: error.message }));
  }
});
socket.on('reconnectRequired', ({ reason }) => {
  report({ type: 'reconnectRequired', reason });
  closeMedia();
  announced = []; // Producers of the lost router are gone.

  request('join', {})
    .then((joinResult) => startMedia(joinResult))
    .catch((error) => report({ type: 'error', code: error.code, message: error.message }));
});
socket.on('connect', () => {
  request('join', {})
    .then(async (joinResult) => {
      report({ type: 'joined', status: joinResult.status });
      if (joinResult.status === 'admitted') await startMedia(joinResult);
    })
    .catch((error) => report({ type: 'error', code: error.code, message: error.message }));
});

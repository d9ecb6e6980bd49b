/* global window, Worker, RTCRtpScriptTransform */
// Test page for test/e2eeTap.test.ts: a sender and a receiver (two mediasoup-client devices
// in one page) in one SFU room. The sender seals frames (tapWorker.mjs); the receiver opens
// them with the production E2EE worker (client/src/e2ee/worker/e2eeWorker.ts).
import { Device } from 'mediasoup-client';
import { io } from 'socket.io-client';

const plaintext = [];

function connect(sfuUrl, roomId, token) {
  const socket = io(sfuUrl, { auth: { roomId, token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const request = (event, payload) =>
    new Promise((resolve, reject) => {
      socket.timeout(20_000).emit(event, payload, (timeout, result) => {
        if (timeout) reject(new Error(`${event} timed out`));
        else if (result.ok) resolve(result.data);
        else reject(new Error(`${event}: ${result.error.code}`));
      });
    });
  return { socket, request };
}

async function transport(device, request, direction) {
  const info = await request('createTransport', { direction });
  const options = { id: info.id, iceParameters: info.iceParameters, iceCandidates: info.iceCandidates, dtlsParameters: info.dtlsParameters };
  const created = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
  created.on('connect', ({ dtlsParameters }, callback, errback) => {
    request('connectTransport', { transportId: created.id, dtlsParameters }).then(() => callback(), errback);
  });
  created.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
    request('produce', { transportId: created.id, kind, rtpParameters, appData }).then(({ producerId }) => callback({ id: producerId }), errback);
  });
  return created;
}

let receiverConsumer;
let receiverRequest;

window.tap = {
  /** Starts the sender (provider, admitted at once) and the receiver (patient, admitted by the sender). */
  async start({ sfuUrl, roomId, senderToken, receiverToken, encrypt, simulcast = false }) {
    const material = crypto.getRandomValues(new Uint8Array(32));
    const sealer = new Worker(new URL('./tapWorker.mjs', import.meta.url), { type: 'module' });
    sealer.addEventListener('message', (event) => {
      if (event.data.kind === 'plaintext' && plaintext.length < 2000) plaintext.push(event.data);
    });
    sealer.postMessage({ kind: 'setLocalKey', material: material.slice().buffer });

    const sender = connect(sfuUrl, roomId, senderToken);
    const joined = await sender.request('join', {});
    const senderDevice = new Device();
    await senderDevice.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
    const sendTransport = await transport(senderDevice, sender.request, 'send');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    const producer = await sendTransport.produce({
      track: stream.getVideoTracks()[0],
      appData: { e2ee: true, source: 'camera' },
      // Three VP8 simulcast layers (quarter, half, full resolution), as the consult room sends.
      ...(simulcast
        ? {
            encodings: [
              { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
              { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
              { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
            ],
          }
        : {}),
      // Installed before the first frame is encoded: nothing leaves unsealed.
      onRtpSender: (rtpSender) => {
        rtpSender.transform = new RTCRtpScriptTransform(sealer, { encrypt });
      },
    });

    const receiver = connect(sfuUrl, roomId, receiverToken);
    const admitted = new Promise((resolve) => receiver.socket.once('admitted', resolve));
    sender.socket.on('waitingRoom', ({ waiting }) => {
      for (const peer of waiting) void sender.request('admit', { peerId: peer.peerId });
    });
    await receiver.request('join', {});
    const view = await admitted;
    const receiverDevice = new Device();
    await receiverDevice.load({ routerRtpCapabilities: view.routerRtpCapabilities });
    const recvTransport = await transport(receiverDevice, receiver.request, 'recv');
    const opener = new Worker(new URL('../../client/src/e2ee/worker/e2eeWorker.ts', import.meta.url), { type: 'module' });
    opener.postMessage({ kind: 'setRemoteKey', participantId: 'sender', keyIndex: 0, material: material.slice().buffer });
    const info = await receiver.request('consume', {
      transportId: recvTransport.id,
      producerId: producer.id,
      rtpCapabilities: receiverDevice.recvRtpCapabilities,
    });
    receiverConsumer = await recvTransport.consume({
      id: info.consumerId,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters,
      onRtpReceiver: (rtpReceiver) => {
        if (encrypt) rtpReceiver.transform = new RTCRtpScriptTransform(opener, { operation: 'decrypt', mediaKind: 'video', participantId: 'sender' });
      },
    });
    await receiver.request('resumeConsumer', { consumerId: info.consumerId });
    receiverRequest = receiver.request;
    return { producerId: producer.id, consumerId: info.consumerId };
  },

  /** Forgets fingerprints collected so far (frames sent before the server tap was attached). */
  resetPlaintext() {
    plaintext.length = 0;
  },

  plaintext() {
    return [...plaintext];
  },

  /** Asks the SFU for one simulcast layer for the receiver (0 = smallest). */
  async preferLayer(spatialLayer) {
    await receiverRequest('setPreferredLayers', { consumerId: receiverConsumer.id, spatialLayer });
  },

  /** Width of the frames the receiver decodes now. */
  async frameWidth() {
    let width = 0;
    (await receiverConsumer.getStats()).forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') width = report.frameWidth ?? 0;
    });
    return width;
  },

  /** Frames the receiver decoded (after decryption when E2EE is on). */
  async framesDecoded() {
    let decoded = 0;
    (await receiverConsumer.getStats()).forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'video') decoded += report.framesDecoded ?? 0;
    });
    return decoded;
  },
};
window.tapReady = true;

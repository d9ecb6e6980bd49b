/**
 * Test harness loaded in real Chromium by test/e2ee.test.ts. It wires two RTCPeerConnections
 * in one page with the real E2EE worker on both ends, and exposes each scenario on `window`.
 * Built only for tests (test/harness.vite.config.ts), never shipped.
 */
import { E2eeSession } from '../../src/e2ee/E2eeSession.js';
import type { E2eeSignal, TransformApi } from '../../src/e2ee/E2eeSession.js';
import { createIdentity, toBase64Url } from '../../src/e2ee/keyAgreement.js';

interface LoopbackResult {
  framesDecoded: number;
  decryptedFrames: number;
  droppedFrames: number;
  encryptedFrames: number;
}

interface SessionScenarioResult extends LoopbackResult {
  sasA: string;
  sasB: string;
  statusA: string;
  statusB: string;
}

interface RotationResult {
  sasBeforeJoin: string;
  sasWithThree: string[];
  keyIndexAfterLeave: number;
  keysSentToLeaverAfterLeave: number;
  decryptedBeforeRotation: number;
  decryptedAfterRotation: number;
  droppedAfterRotation: number;
}

declare global {
  interface Window {
    e2eeHarness: {
      rawWorkers: (sameKey: boolean) => Promise<LoopbackResult>;
      sessions: (mitm: boolean, transformApi?: TransformApi) => Promise<SessionScenarioResult>;
      rotation: () => Promise<RotationResult>;
    };
  }
}

// Vite bundles the worker only when `new Worker(new URL(...))` is written in one expression.
const newWorker = (): Worker => new Worker(new URL('../../src/e2ee/worker/e2eeWorker.ts', import.meta.url), { type: 'module' });

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls until `condition` holds or `timeoutMs` passes (then the test's assertions report
 * what was reached). Waiting on events rather than fixed sleeps keeps the test reliable on a
 * busy machine.
 */
async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await condition())) await sleep(250);
}

/** Frames the sender must have encrypted before a scenario is judged. */
const FRAMES_OBSERVED = 30;

async function camera(): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
  const [track] = stream.getVideoTracks();
  if (track === undefined) throw new Error('no fake camera track');
  return track;
}

/** Two connected peer connections; `prepare` installs transforms before negotiation. */
async function loopback(
  prepareSender: (sender: RTCRtpSender) => void,
  prepareReceiver: (receiver: RTCRtpReceiver) => void,
  configuration: Record<string, unknown> = {},
): Promise<{ receiverPc: RTCPeerConnection; close: () => void }> {
  const senderPc = new RTCPeerConnection(configuration);
  const receiverPc = new RTCPeerConnection(configuration);
  senderPc.onicecandidate = (event) => {
    if (event.candidate) void receiverPc.addIceCandidate(event.candidate);
  };
  receiverPc.onicecandidate = (event) => {
    if (event.candidate) void senderPc.addIceCandidate(event.candidate);
  };
  receiverPc.ontrack = (event) => {
    prepareReceiver(event.receiver);
  };
  const track = await camera();
  const transceiver = senderPc.addTransceiver(track, { direction: 'sendonly' });
  // E2EE keeps only VP8 headers clear (codecHeader.ts), so the harness pins VP8 like the room does.
  const vp8 = (RTCRtpSender.getCapabilities('video')?.codecs ?? []).filter((codec) => codec.mimeType === 'video/VP8');
  transceiver.setCodecPreferences(vp8);
  prepareSender(transceiver.sender);
  const offer = await senderPc.createOffer();
  await senderPc.setLocalDescription(offer);
  await receiverPc.setRemoteDescription(offer);
  const answer = await receiverPc.createAnswer();
  await receiverPc.setLocalDescription(answer);
  await senderPc.setRemoteDescription(answer);
  return {
    receiverPc,
    close: () => {
      track.stop();
      senderPc.close();
      receiverPc.close();
    },
  };
}

async function framesDecoded(pc: RTCPeerConnection): Promise<number> {
  const stats = await pc.getStats();
  let decoded = 0;
  stats.forEach((report: { type?: string; kind?: string; framesDecoded?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') decoded += report.framesDecoded ?? 0;
  });
  return decoded;
}

function counters(worker: Worker): { current: LoopbackResult } {
  const box = { current: { framesDecoded: 0, decryptedFrames: 0, droppedFrames: 0, encryptedFrames: 0 } };
  worker.addEventListener('message', (event: MessageEvent<{ kind: string } & Partial<LoopbackResult>>) => {
    if (event.data.kind === 'stats') {
      box.current = {
        ...box.current,
        decryptedFrames: event.data.decryptedFrames ?? 0,
        droppedFrames: event.data.droppedFrames ?? 0,
        encryptedFrames: event.data.encryptedFrames ?? 0,
      };
    }
  });
  return box;
}

/** Sender and receiver workers given the same key (or different keys) for index 0. */
async function rawWorkers(sameKey: boolean): Promise<LoopbackResult> {
  const senderWorker = newWorker();
  const receiverWorker = newWorker();
  const senderKey = crypto.getRandomValues(new Uint8Array(32));
  const receiverKey = sameKey ? senderKey.slice() : crypto.getRandomValues(new Uint8Array(32));
  senderWorker.postMessage({ kind: 'setLocalKey', keyIndex: 0, material: senderKey.buffer });
  receiverWorker.postMessage({ kind: 'setRemoteKey', participantId: 'sender', keyIndex: 0, material: receiverKey.buffer });
  const sent = counters(senderWorker);
  const received = counters(receiverWorker);
  const link = await loopback(
    (sender) => {
      sender.transform = new RTCRtpScriptTransform(senderWorker, { operation: 'encrypt', mediaKind: 'video' });
    },
    (receiver) => {
      receiver.transform = new RTCRtpScriptTransform(receiverWorker, { operation: 'decrypt', mediaKind: 'video', participantId: 'sender' });
    },
  );
  await waitUntil(async () =>
    sent.current.encryptedFrames >= FRAMES_OBSERVED &&
    (sameKey ? (await framesDecoded(link.receiverPc)) > 0 : received.current.droppedFrames >= FRAMES_OBSERVED),
  );
  const result = { ...received.current, encryptedFrames: sent.current.encryptedFrames, framesDecoded: await framesDecoded(link.receiverPc) };
  link.close();
  senderWorker.terminate();
  receiverWorker.terminate();
  return result;
}

/** A signaling relay between sessions; `tamper` may rewrite a signal in flight (a malicious SFU). */
class Bus {
  readonly sessions = new Map<string, E2eeSession>();
  readonly log: { from: string; to: string; signal: E2eeSignal }[] = [];
  tamper: ((from: string, to: string, signal: E2eeSignal) => E2eeSignal) | null = null;

  constructor(readonly transformApi: TransformApi = 'script-transform') {}

  join(id: string): E2eeSession {
    const session = new E2eeSession({
      transformApi: this.transformApi,
      selfId: id,
      send: (to, signal) => {
        const targets = to === null ? [...this.sessions.keys()].filter((other) => other !== id) : [to];
        for (const target of targets) {
          const delivered = this.tamper === null ? signal : this.tamper(id, target, signal);
          this.log.push({ from: id, to: target, signal: delivered });
          void this.sessions.get(target)?.receive(id, delivered);
        }
      },
    });
    this.sessions.set(id, session);
    return session;
  }

  leave(id: string): void {
    this.sessions.get(id)?.close();
    this.sessions.delete(id);
  }
}

const sasText = (session: E2eeSession): string => (session.state.sas ?? []).map((symbol) => symbol.word).join('|');

/** Full sessions (ECDH + HKDF + wrapped sender keys) between A and B, optionally with a key-swapping relay. */
async function sessions(mitm: boolean, transformApi: TransformApi = 'script-transform'): Promise<SessionScenarioResult> {
  const bus = new Bus(transformApi);
  if (mitm) {
    // The relay answers B with its own public key in A's name: B derives a pairwise key with
    // the attacker, so A's sealed media key does not open and the SAS shown to A and B differ.
    const attacker = await createIdentity();
    bus.tamper = (from, to, signal) =>
      from === 'A' && to === 'B' && signal.kind === 'hello' ? { ...signal, publicKey: toBase64Url(attacker.publicKey) } : signal;
  }
  const a = bus.join('A');
  const b = bus.join('B');
  await a.start();
  await b.start();
  await waitUntil(() => a.state.sas !== null && b.state.sas !== null);
  const link = await loopback(
    (sender) => {
      a.attachSender(sender, 'video');
    },
    (receiver) => {
      b.attachReceiver(receiver, 'A', 'video');
    },
    a.peerConnectionSettings,
  );
  await waitUntil(async () =>
    a.state.stats.encryptedFrames >= FRAMES_OBSERVED &&
    (mitm ? b.state.stats.droppedFrames >= FRAMES_OBSERVED : b.state.stats.decryptedFrames > 0 && (await framesDecoded(link.receiverPc)) > 0),
  );
  const result: SessionScenarioResult = {
    framesDecoded: await framesDecoded(link.receiverPc),
    decryptedFrames: b.state.stats.decryptedFrames,
    droppedFrames: b.state.stats.droppedFrames,
    encryptedFrames: a.state.stats.encryptedFrames,
    sasA: sasText(a),
    sasB: sasText(b),
    statusA: a.state.status,
    statusB: b.state.status,
  };
  link.close();
  bus.leave('A');
  bus.leave('B');
  return result;
}

/** A third participant joins and leaves; A must rotate and B must keep decrypting A. */
async function rotation(): Promise<RotationResult> {
  const bus = new Bus();
  const a = bus.join('A');
  const b = bus.join('B');
  await a.start();
  await b.start();
  await waitUntil(() => a.state.sas !== null && b.state.sas !== null);
  const sasBeforeJoin = sasText(a);
  const link = await loopback(
    (sender) => {
      a.attachSender(sender, 'video');
    },
    (receiver) => {
      b.attachReceiver(receiver, 'A', 'video');
    },
  );
  const c = bus.join('C');
  await c.start();
  await waitUntil(
    () => b.state.stats.decryptedFrames > 0 && sasText(c) !== '' && sasText(a) === sasText(c) && sasText(b) === sasText(c),
  );
  const sasWithThree = [sasText(a), sasText(b), sasText(c)];
  const decryptedBeforeRotation = b.state.stats.decryptedFrames;
  const logBefore = bus.log.length;
  bus.leave('C');
  await a.participantLeft('C');
  await b.participantLeft('C');
  // Counters arrive once a second: wait for frames clearly sealed with the rotated key.
  await waitUntil(() => a.state.keyIndex === 1 && b.state.stats.decryptedFrames >= decryptedBeforeRotation + FRAMES_OBSERVED);
  const keysSentToLeaverAfterLeave = bus.log
    .slice(logBefore)
    .filter((entry) => entry.to === 'C' && entry.signal.kind === 'senderKey').length;
  const result: RotationResult = {
    sasBeforeJoin,
    sasWithThree,
    keyIndexAfterLeave: a.state.keyIndex,
    keysSentToLeaverAfterLeave,
    decryptedBeforeRotation,
    decryptedAfterRotation: b.state.stats.decryptedFrames,
    droppedAfterRotation: b.state.stats.droppedFrames,
  };
  link.close();
  bus.leave('A');
  bus.leave('B');
  return result;
}

window.e2eeHarness = { rawWorkers, sessions, rotation };
document.title = 'ready';

/**
 * Test harness loaded in real Chromium by test/e2ee.test.ts. It wires two RTCPeerConnections
 * in one page with the real E2EE worker on both ends, and exposes each scenario on `window`.
 * Built only for tests (test/harness.vite.config.ts), never shipped.
 */
import type { E2eeSession, E2eeSignal, TransformApi } from '../../src/e2ee/E2eeSession.js';
import { createIdentity, fromBase64Url, newSenderKeyMaterial, toBase64Url } from '../../src/e2ee/keyAgreement.js';
import { commitmentOf } from '../../src/e2ee/sas.js';
import { ratchetMaterial } from '../../src/e2ee/ratchet.js';
import { FakeApi, MaliciousSfu, replayingTap } from './maliciousSfu.js';

interface LoopbackResult {
  framesDecoded: number;
  decryptedFrames: number;
  droppedFrames: number;
  encryptedFrames: number;
  replayedFrames: number;
}

interface SessionScenarioResult extends LoopbackResult {
  sasA: string;
  sasB: string;
  statusA: string;
  statusB: string;
  refusedByB: string[];
  holdersOfA: string[];
  holdersOfB: string[];
}

interface RotationResult {
  sasBeforeJoin: string;
  sasWithThree: string[];
  /** What each of the three lists as key holders (certified name and role). */
  holdersWithThree: string[][];
  /** Refusals of a guest certificate that does not say why the guest is there. */
  refusedGuestWithoutRelation: string[];
  keyIndexAfterLeave: number;
  keysSentToLeaverAfterLeave: number;
  decryptedBeforeRotation: number;
  decryptedAfterRotation: number;
  droppedAfterRotation: number;
}

interface GhostResult {
  refusedByA: string[];
  refusedByB: string[];
  holdersOfA: string[];
  keysSentToGhost: number;
  ghostDecrypted: number;
  ghostDropped: number;
  victimEncrypted: number;
  sasA: string;
  sasB: string;
}

interface KeyChangeResult {
  verifiedBefore: boolean;
  sasBefore: string;
  verifiedAfterRejoin: boolean;
  sasAfterRejoinA: string;
  sasAfterRejoinB: string;
  verifiedAfterSwap: boolean;
  refusedAfterSwap: string[];
  holdersAfterSwap: string[];
  keysToAttacker: number;
}

interface ReplayResult {
  replayedByTap: number;
  replayedFrames: number;
  decryptedFrames: number;
  framesDecoded: number;
}

interface RatchetResult {
  joinerDecryptedBeforeSwitch: number;
  joinerDecryptedAfterSwitch: number;
  oldReceiverDecryptedAfterSwitch: number;
  oldReceiverDroppedAfterSwitch: number;
  joinerMaterialDiffers: boolean;
  sessionKeyIndexBefore: number;
  sessionKeyIndexAfterJoin: number;
  joinerGotRatchetedKey: boolean;
  keysToBAfterJoin: number;
  bDecryptedAfterJoin: number;
}

declare global {
  interface Window {
    e2eeHarness: {
      rawWorkers: (sameKey: boolean) => Promise<LoopbackResult>;
      sessions: (mitm: MitmMode, transformApi?: TransformApi) => Promise<SessionScenarioResult>;
      rotation: () => Promise<RotationResult>;
      ghost: (certificate: GhostCertificate) => Promise<GhostResult>;
      keyChange: () => Promise<KeyChangeResult>;
      replay: () => Promise<ReplayResult>;
      ratchetOnJoin: () => Promise<RatchetResult>;
      bench: (e2ee: boolean, seconds: number) => Promise<BenchResult>;
    };
  }
}

interface BenchResult {
  seconds: number;
  framesDecoded: number;
  frameWidth: number;
  encryptedFrames: number;
  decryptedFrames: number;
  encryptMicros: number;
  decryptMicros: number;
}

/** Which key swap the malicious relay tries (see sessions()). */
type MitmMode = 'none' | 'swap_reveal' | 'swap_commit_and_reveal' | 'swap_with_stolen_certificate';
/** Which certificate the ghost presents. */
type GhostCertificate = 'none' | 'replayed_from_patient' | 'self_signed' | 'other_room';

const ROOM = '6f1c2a4e-0000-4000-8000-00000000000a';
const OTHER_ROOM = '6f1c2a4e-0000-4000-8000-00000000000b';
const PROVIDER = '6f1c2a4e-0000-4000-8000-000000000001';
const PATIENT = '6f1c2a4e-0000-4000-8000-000000000002';
const THIRD = '6f1c2a4e-0000-4000-8000-000000000003';
const GHOST = '6f1c2a4e-0000-4000-8000-000000000666';

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

async function camera(size: { width: number; height: number } = { width: 320, height: 240 }): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { ...size, frameRate: 30 }, audio: false });
  const [track] = stream.getVideoTracks();
  if (track === undefined) throw new Error('no fake camera track');
  return track;
}

/** Two connected peer connections; `prepare` installs transforms before negotiation. */
async function loopback(
  prepareSender: (sender: RTCRtpSender) => void,
  prepareReceiver: (receiver: RTCRtpReceiver) => void,
  configuration: Record<string, unknown> = {},
  size?: { width: number; height: number },
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
  const track = await camera(size);
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
  const box = { current: { framesDecoded: 0, decryptedFrames: 0, droppedFrames: 0, encryptedFrames: 0, replayedFrames: 0 } };
  worker.addEventListener('message', (event: MessageEvent<{ kind: string } & Partial<LoopbackResult>>) => {
    if (event.data.kind === 'stats') {
      box.current = {
        ...box.current,
        decryptedFrames: event.data.decryptedFrames ?? 0,
        droppedFrames: event.data.droppedFrames ?? 0,
        encryptedFrames: event.data.encryptedFrames ?? 0,
        replayedFrames: event.data.replayedFrames ?? 0,
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

const sasText = (session: E2eeSession): string => (session.state.sas ?? []).map((symbol) => symbol.word).join('|');
const holderNames = (session: E2eeSession): string[] => session.state.holders.map((holder) => `${holder.name} (${holder.role})`);
const refusals = (session: E2eeSession): string[] => session.state.refused.map((peer) => `${peer.userId}:${peer.reason}`);

/** A video loopback from `sender`'s session to `receiver`'s, decrypting as `senderId`. */
function sessionLoopback(sender: E2eeSession, receiver: E2eeSession, senderId: string) {
  return loopback(
    (rtpSender) => {
      sender.attachSender(rtpSender, 'video');
    },
    (rtpReceiver) => {
      receiver.attachReceiver(rtpReceiver, senderId, 'video');
    },
    sender.peerConnectionSettings,
  );
}

/**
 * Provider A and patient B through the relay, with video A -> B. The relay may swap A's key
 * on its way to B: only in the reveal (the commit no longer matches), in commit and reveal
 * (the certificate's thumbprint no longer matches), or with a certificate the API really
 * signed for the attacker's key (an API that colludes: only the SAS can tell).
 */
async function sessions(mitm: MitmMode, transformApi: TransformApi = 'script-transform'): Promise<SessionScenarioResult> {
  const api = new FakeApi();
  const sfu = new MaliciousSfu(api, ROOM, transformApi);
  if (mitm !== 'none') {
    const attacker = await createIdentity();
    const attackerKey = toBase64Url(attacker.publicKey);
    const attackerNonce = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    const attackerCommitment = toBase64Url(await commitmentOf(attacker.publicKey, fromBase64Url(attackerNonce)));
    const stolen = await api.certify({ room: ROOM, userId: PROVIDER, role: 'provider', name: 'Dr Ada Provider', publicKey: attackerKey });
    sfu.tamper = (from, to, signal) => {
      if (from !== PROVIDER || to !== PATIENT) return signal;
      if (signal.kind === 'commit' && mitm !== 'swap_reveal') return { ...signal, commitment: attackerCommitment };
      if (signal.kind === 'reveal') {
        return { ...signal, publicKey: attackerKey, nonce: attackerNonce, ...(mitm === 'swap_with_stolen_certificate' ? { certificate: stolen } : {}) };
      }
      return signal;
    };
  }
  const a = await sfu.join(PROVIDER, { role: 'provider', name: 'Dr Ada Provider' });
  const b = await sfu.join(PATIENT, { role: 'patient', name: 'Bea Patient' });
  await waitUntil(() =>
    mitm === 'none' || mitm === 'swap_with_stolen_certificate' ? a.state.sas !== null && b.state.sas !== null : b.state.refused.length > 0,
  );
  const link = await sessionLoopback(a, b, PROVIDER);
  await waitUntil(async () =>
    a.state.stats.encryptedFrames >= FRAMES_OBSERVED &&
    (mitm !== 'none' ? b.state.stats.droppedFrames >= FRAMES_OBSERVED : b.state.stats.decryptedFrames > 0 && (await framesDecoded(link.receiverPc)) > 0),
  );
  const result: SessionScenarioResult = {
    framesDecoded: await framesDecoded(link.receiverPc),
    decryptedFrames: b.state.stats.decryptedFrames,
    droppedFrames: b.state.stats.droppedFrames,
    encryptedFrames: a.state.stats.encryptedFrames,
    replayedFrames: b.state.stats.replayedFrames,
    sasA: sasText(a),
    sasB: sasText(b),
    statusA: a.state.status,
    statusB: b.state.status,
    refusedByB: refusals(b),
    holdersOfA: holderNames(a),
    holdersOfB: holderNames(b),
  };
  link.close();
  sfu.leave(PROVIDER);
  sfu.leave(PATIENT);
  return result;
}

/**
 * A provider-invited guest (an interpreter) joins as the third participant and leaves; every
 * pair agrees keys, all three show one SAS, A must rotate on leave and B keep decrypting A.
 */
async function rotation(): Promise<RotationResult> {
  const sfu = new MaliciousSfu(new FakeApi(), ROOM);
  const a = await sfu.join(PROVIDER, { role: 'provider', name: 'Dr Ada Provider' });
  const b = await sfu.join(PATIENT, { role: 'patient', name: 'Bea Patient' });
  await waitUntil(() => a.state.sas !== null && b.state.sas !== null);
  const sasBeforeJoin = sasText(a);
  const link = await sessionLoopback(a, b, PROVIDER);
  const c = await sfu.join(THIRD, { role: 'guest', name: 'Cy Interpreter', claims: { relation: 'interpreter', invitedBy: 'Dr Ada Provider' } });
  await waitUntil(
    () => b.state.stats.decryptedFrames > 0 && sasText(c) !== '' && sasText(a) === sasText(c) && sasText(b) === sasText(c),
  );
  const sasWithThree = [sasText(a), sasText(b), sasText(c)];
  const holdersWithThree = [a, b, c].map((session) =>
    session.state.holders.map((holder) => `${holder.name} (${holder.role}${holder.relation === null ? '' : `: ${holder.relation}, invited by ${holder.invitedBy ?? '?'}`})`).sort(),
  );
  // A guest certificate the API signed but without a relation is not a valid guest certificate.
  const GUEST_WITHOUT_RELATION = 'c0c0c0c0-0000-4000-8000-00000000000d';
  await sfu.join(GUEST_WITHOUT_RELATION, { role: 'guest', name: 'No Reason' });
  await waitUntil(() => a.state.refused.some((peer) => peer.userId === GUEST_WITHOUT_RELATION));
  const refusedGuestWithoutRelation = a.state.refused.filter((peer) => peer.userId === GUEST_WITHOUT_RELATION).map((peer) => peer.reason);
  sfu.leave(GUEST_WITHOUT_RELATION);
  const decryptedBeforeRotation = b.state.stats.decryptedFrames;
  const keyIndexBeforeLeave = a.state.keyIndex;
  const logBefore = sfu.log.length;
  sfu.leave(THIRD);
  await a.participantLeft(THIRD);
  await b.participantLeft(THIRD);
  // Counters arrive once a second: wait for frames clearly sealed with the rotated key.
  await waitUntil(() => a.state.keyIndex === keyIndexBeforeLeave + 1 && b.state.stats.decryptedFrames >= decryptedBeforeRotation + FRAMES_OBSERVED);
  const result: RotationResult = {
    sasBeforeJoin,
    sasWithThree,
    holdersWithThree,
    refusedGuestWithoutRelation,
    keyIndexAfterLeave: a.state.keyIndex - keyIndexBeforeLeave,
    keysSentToLeaverAfterLeave: sfu.keysSentTo(THIRD, logBefore),
    decryptedBeforeRotation,
    decryptedAfterRotation: b.state.stats.decryptedFrames,
    droppedAfterRotation: b.state.stats.droppedFrames,
  };
  link.close();
  sfu.leave(PROVIDER);
  sfu.leave(PATIENT);
  return result;
}

/**
 * (a) The relay injects a ghost peer with its own key pair, announced to both sides. Its
 * certificate is missing, replayed from the patient (thumbprint of another key), signed by
 * the ghost itself, or a real one for another room. The ghost's receiver is wired to the
 * provider's video anyway: it must get no key and decrypt nothing.
 */
async function ghost(certificate: GhostCertificate): Promise<GhostResult> {
  const api = new FakeApi();
  const sfu = new MaliciousSfu(api, ROOM);
  const a = await sfu.join(PROVIDER, { role: 'provider', name: 'Dr Ada Provider' });
  const b = await sfu.join(PATIENT, { role: 'patient', name: 'Bea Patient' });
  await waitUntil(() => a.state.sas !== null && b.state.sas !== null);
  const patientReveal = sfu.log.find((entry) => entry.from === PATIENT && entry.signal.kind === 'reveal')?.signal;
  const forger = new FakeApi();
  const ghostSession = await sfu.join(GHOST, {
    role: 'patient',
    name: 'Bea Patient',
    certificate:
      certificate === 'none'
        ? 'none'
        : certificate === 'replayed_from_patient'
          ? () => Promise.resolve(patientReveal?.kind === 'reveal' ? patientReveal.certificate : '')
          : certificate === 'self_signed'
            ? (publicKey) => forger.certify({ room: ROOM, userId: GHOST, role: 'patient', name: 'Bea Patient', publicKey })
            : (publicKey) => api.certify({ room: OTHER_ROOM, userId: GHOST, role: 'patient', name: 'Bea Patient', publicKey }),
  });
  if (certificate === 'none') {
    // Without a certificate the session stays silent after its commit; the ghost relay
    // still pushes a bare key at both sides, as a malicious SFU would.
    const ghostKey = await createIdentity();
    const reveal: E2eeSignal = { kind: 'reveal', publicKey: toBase64Url(ghostKey.publicKey), nonce: toBase64Url(new Uint8Array(32)), certificate: 'a.b.c' };
    await a.receive(GHOST, reveal);
    await b.receive(GHOST, reveal);
  }
  const link = await sessionLoopback(a, ghostSession, PROVIDER);
  await waitUntil(() => a.state.stats.encryptedFrames >= FRAMES_OBSERVED && ghostSession.state.stats.droppedFrames >= FRAMES_OBSERVED);
  await sleep(1500);
  const result: GhostResult = {
    refusedByA: refusals(a),
    refusedByB: refusals(b),
    holdersOfA: holderNames(a),
    keysSentToGhost: sfu.keysSentTo(GHOST),
    ghostDecrypted: ghostSession.state.stats.decryptedFrames,
    ghostDropped: ghostSession.state.stats.droppedFrames,
    victimEncrypted: a.state.stats.encryptedFrames,
    sasA: sasText(a),
    sasB: sasText(b),
  };
  link.close();
  for (const id of [PROVIDER, PATIENT, GHOST]) sfu.leave(id);
  return result;
}

/**
 * Both sides verify the code; then the patient rejoins with a new key ("Verified" must go
 * and a new code show), and once more while the relay swaps that new key for its own.
 */
async function keyChange(): Promise<KeyChangeResult> {
  const api = new FakeApi();
  const sfu = new MaliciousSfu(api, ROOM);
  const a = await sfu.join(PROVIDER, { role: 'provider', name: 'Dr Ada Provider' });
  const b = await sfu.join(PATIENT, { role: 'patient', name: 'Bea Patient' });
  await waitUntil(() => a.state.sas !== null && b.state.sas !== null && a.state.sas.length > 0);
  a.markVerified();
  b.markVerified();
  const verifiedBefore = a.state.verified && b.state.verified;
  const sasBefore = sasText(a);
  await sfu.certify(b, PATIENT, { role: 'patient', name: 'Bea Patient' });
  await b.restart();
  await waitUntil(() => sasText(a) !== sasBefore && sasText(a) === sasText(b));
  const verifiedAfterRejoin = a.state.verified;
  const sasAfterRejoinA = sasText(a);
  const sasAfterRejoinB = sasText(b);
  a.markVerified();
  const attacker = await createIdentity();
  sfu.tamper = (from, to, signal) =>
    from === PATIENT && to === PROVIDER && signal.kind === 'reveal' ? { ...signal, publicKey: toBase64Url(attacker.publicKey) } : signal;
  const logBefore = sfu.log.length;
  await sfu.certify(b, PATIENT, { role: 'patient', name: 'Bea Patient' });
  await b.restart();
  await waitUntil(() => a.state.refused.length > 0);
  await sleep(500);
  const result: KeyChangeResult = {
    verifiedBefore,
    sasBefore,
    verifiedAfterRejoin,
    sasAfterRejoinA,
    sasAfterRejoinB,
    verifiedAfterSwap: a.state.verified,
    refusedAfterSwap: refusals(a),
    holdersAfterSwap: holderNames(a),
    keysToAttacker: sfu.keysSentTo(PATIENT, logBefore),
  };
  sfu.leave(PROVIDER);
  sfu.leave(PATIENT);
  return result;
}

/**
 * (c) Frame replay: the sender's real worker encrypts; on the receive path the relay records
 * frames and later sends their ciphertext again inside new frames. The receiver's worker
 * must drop every replayed frame and still decrypt the rest.
 */
async function replay(): Promise<ReplayResult> {
  const senderWorker = newWorker();
  const receiverWorker = newWorker();
  const key = newSenderKeyMaterial();
  senderWorker.postMessage({ kind: 'setLocalKey', keyIndex: 0, material: key.slice(0) });
  receiverWorker.postMessage({ kind: 'setRemoteKey', participantId: 'sender', keyIndex: 0, material: key.slice(0) });
  const received = counters(receiverWorker);
  const tap = replayingTap(10, 4);
  const link = await loopback(
    (sender) => {
      const { readable, writable } = (sender as unknown as { createEncodedStreams: () => { readable: ReadableStream; writable: WritableStream } }).createEncodedStreams();
      senderWorker.postMessage({ kind: 'attachStreams', target: { operation: 'encrypt', mediaKind: 'video' }, readable, writable }, [readable, writable] as unknown as Transferable[]);
    },
    (receiver) => {
      const { readable, writable } = (receiver as unknown as { createEncodedStreams: () => { readable: ReadableStream; writable: WritableStream } }).createEncodedStreams();
      const tampered = readable.pipeThrough(tap.transform);
      receiverWorker.postMessage({ kind: 'attachStreams', target: { operation: 'decrypt', mediaKind: 'video', participantId: 'sender' }, readable: tampered, writable }, [tampered, writable] as unknown as Transferable[]);
    },
    { encodedInsertableStreams: true },
  );
  await waitUntil(() => tap.replayed() >= 20 && received.current.decryptedFrames >= FRAMES_OBSERVED);
  // Stop replaying, then let the worker's once-a-second stats catch up with the tap.
  tap.stop();
  await waitUntil(() => received.current.replayedFrames >= tap.replayed(), 10_000);
  await sleep(1100);
  const result: ReplayResult = {
    replayedByTap: tap.replayed(),
    replayedFrames: received.current.replayedFrames,
    decryptedFrames: received.current.decryptedFrames,
    framesDecoded: await framesDecoded(link.receiverPc),
  };
  link.close();
  senderWorker.terminate();
  receiverWorker.terminate();
  return result;
}

/**
 * Ratchet on join, on two levels. Workers: a sender encrypts under K0; a joiner holds only
 * K1 = ratchet(K0) and an old receiver only K0. Before the sender switches to K1 the joiner
 * decrypts nothing (HKDF is one-way); after it, both decrypt, the old receiver by ratcheting
 * its K0 itself. Sessions: when C joins A and B, A ratchets, C gets the ratcheted key, and
 * B keeps decrypting A without a new key message.
 */
async function ratchetOnJoin(): Promise<RatchetResult> {
  const senderWorker = newWorker();
  const joinerWorker = newWorker();
  const oldWorker = newWorker();
  const k0 = newSenderKeyMaterial();
  const k1 = await ratchetMaterial(k0);
  senderWorker.postMessage({ kind: 'setLocalKey', keyIndex: 0, material: k0.slice(0) });
  joinerWorker.postMessage({ kind: 'setRemoteKey', participantId: 'sender', keyIndex: 1, material: k1.slice(0) });
  oldWorker.postMessage({ kind: 'setRemoteKey', participantId: 'sender', keyIndex: 0, material: k0.slice(0) });
  const sent = counters(senderWorker);
  const joiner = counters(joinerWorker);
  const old = counters(oldWorker);
  const target = (participantId: string) => ({ operation: 'decrypt' as const, mediaKind: 'video' as const, participantId });
  // One sender, two receivers: the joiner's link and the old receiver's link share the worker's key.
  const toJoiner = await loopback(
    (sender) => {
      sender.transform = new RTCRtpScriptTransform(senderWorker, { operation: 'encrypt', mediaKind: 'video' });
    },
    (receiver) => {
      receiver.transform = new RTCRtpScriptTransform(joinerWorker, target('sender'));
    },
  );
  const toOld = await loopback(
    (sender) => {
      sender.transform = new RTCRtpScriptTransform(senderWorker, { operation: 'encrypt', mediaKind: 'video' });
    },
    (receiver) => {
      receiver.transform = new RTCRtpScriptTransform(oldWorker, target('sender'));
    },
  );
  await waitUntil(() => sent.current.encryptedFrames >= 2 * FRAMES_OBSERVED && old.current.decryptedFrames >= FRAMES_OBSERVED && joiner.current.droppedFrames >= FRAMES_OBSERVED);
  const joinerDecryptedBeforeSwitch = joiner.current.decryptedFrames;
  const oldDroppedBefore = old.current.droppedFrames;
  const oldDecryptedBefore = old.current.decryptedFrames;
  senderWorker.postMessage({ kind: 'setLocalKey', keyIndex: 1, material: k1.slice(0) });
  await waitUntil(() => joiner.current.decryptedFrames >= FRAMES_OBSERVED && old.current.decryptedFrames >= oldDecryptedBefore + FRAMES_OBSERVED);
  const workers = {
    joinerDecryptedBeforeSwitch,
    joinerDecryptedAfterSwitch: joiner.current.decryptedFrames,
    oldReceiverDecryptedAfterSwitch: old.current.decryptedFrames - oldDecryptedBefore,
    oldReceiverDroppedAfterSwitch: old.current.droppedFrames - oldDroppedBefore,
    joinerMaterialDiffers: toBase64Url(new Uint8Array(k0)) !== toBase64Url(new Uint8Array(k1)),
  };
  toJoiner.close();
  toOld.close();
  for (const worker of [senderWorker, joinerWorker, oldWorker]) worker.terminate();

  const sfu = new MaliciousSfu(new FakeApi(), ROOM);
  const a = await sfu.join(PROVIDER, { role: 'provider', name: 'Dr Ada Provider' });
  const b = await sfu.join(PATIENT, { role: 'patient', name: 'Bea Patient' });
  await waitUntil(() => a.state.sas !== null && b.state.sas !== null);
  const link = await sessionLoopback(a, b, PROVIDER);
  await waitUntil(() => b.state.stats.decryptedFrames >= FRAMES_OBSERVED);
  const sessionKeyIndexBefore = a.state.keyIndex;
  const beforeJoin = a.currentSendKey();
  const logBefore = sfu.log.length;
  const c = await sfu.join(THIRD, { role: 'patient', name: 'Cy Companion' });
  await waitUntil(() => a.state.keyIndex !== sessionKeyIndexBefore && sasText(c) !== '');
  const decryptedAtJoin = b.state.stats.decryptedFrames;
  await waitUntil(async () => (await c.peerKey(PROVIDER)) !== null && b.state.stats.decryptedFrames >= decryptedAtJoin + FRAMES_OBSERVED);
  const joinerKey = await c.peerKey(PROVIDER);
  const expected = beforeJoin === null ? null : await ratchetMaterial(beforeJoin.material);
  const result: RatchetResult = {
    ...workers,
    sessionKeyIndexBefore,
    sessionKeyIndexAfterJoin: a.state.keyIndex,
    joinerGotRatchetedKey:
      joinerKey !== null && expected !== null && toBase64Url(new Uint8Array(joinerKey.material)) === toBase64Url(new Uint8Array(expected)),
    keysToBAfterJoin: sfu.log.slice(logBefore).filter((entry) => entry.from === PROVIDER && entry.to === PATIENT && entry.signal.kind === 'senderKey').length,
    bDecryptedAfterJoin: b.state.stats.decryptedFrames - decryptedAtJoin,
  };
  link.close();
  for (const id of [PROVIDER, PATIENT, THIRD]) sfu.leave(id);
  return result;
}

interface WorkerTimes {
  encryptedFrames: number;
  decryptedFrames: number;
  encryptMicros: number;
  decryptMicros: number;
}

function workerTimes(worker: Worker): { current: WorkerTimes } {
  const box = { current: { encryptedFrames: 0, decryptedFrames: 0, encryptMicros: 0, decryptMicros: 0 } };
  worker.addEventListener('message', (event: MessageEvent<{ kind: string } & Partial<WorkerTimes>>) => {
    if (event.data.kind !== 'stats') return;
    const { encryptedFrames = 0, decryptedFrames = 0, encryptMicros = 0, decryptMicros = 0 } = event.data;
    box.current = { encryptedFrames, decryptedFrames, encryptMicros, decryptMicros };
  });
  return box;
}

/** Decoded video frames and their width on the receiving end of a loopback. */
async function videoCounters(pc: RTCPeerConnection): Promise<{ decoded: number; width: number }> {
  const stats = await pc.getStats();
  const result = { decoded: 0, width: 0 };
  stats.forEach((report: { type?: string; kind?: string; framesDecoded?: number; frameWidth?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') {
      result.decoded += report.framesDecoded ?? 0;
      result.width = report.frameWidth ?? result.width;
    }
  });
  return result;
}

/**
 * bench/e2ee-frame-cost.mjs: 720p30 video through a loopback for `seconds`, with the real
 * E2EE worker encrypting and decrypting every frame, or with no transform at all.
 */
async function bench(e2ee: boolean, seconds: number): Promise<BenchResult> {
  const senderWorker = e2ee ? newWorker() : null;
  const receiverWorker = e2ee ? newWorker() : null;
  const key = newSenderKeyMaterial();
  senderWorker?.postMessage({ kind: 'setLocalKey', keyIndex: 0, material: key.slice(0) });
  receiverWorker?.postMessage({ kind: 'setRemoteKey', participantId: 'sender', keyIndex: 0, material: key.slice(0) });
  const sent = senderWorker === null ? null : workerTimes(senderWorker);
  const received = receiverWorker === null ? null : workerTimes(receiverWorker);
  const link = await loopback(
    (sender) => {
      if (senderWorker !== null) sender.transform = new RTCRtpScriptTransform(senderWorker, { operation: 'encrypt', mediaKind: 'video' });
    },
    (receiver) => {
      if (receiverWorker !== null) {
        receiver.transform = new RTCRtpScriptTransform(receiverWorker, { operation: 'decrypt', mediaKind: 'video', participantId: 'sender' });
      }
    },
    {},
    { width: 1280, height: 720 },
  );
  // Let the encoder ramp up to 720p before measuring.
  await waitUntil(async () => (await videoCounters(link.receiverPc)).width >= 1280, 20_000);
  await sleep(2000);
  const start = { video: await videoCounters(link.receiverPc), sent: sent?.current, received: received?.current };
  await sleep(seconds * 1000);
  // Worker stats arrive once a second: wait for a fresh report.
  await sleep(1100);
  const end = { video: await videoCounters(link.receiverPc), sent: sent?.current, received: received?.current };
  link.close();
  senderWorker?.terminate();
  receiverWorker?.terminate();
  return {
    seconds,
    framesDecoded: end.video.decoded - start.video.decoded,
    frameWidth: end.video.width,
    encryptedFrames: (end.sent?.encryptedFrames ?? 0) - (start.sent?.encryptedFrames ?? 0),
    decryptedFrames: (end.received?.decryptedFrames ?? 0) - (start.received?.decryptedFrames ?? 0),
    encryptMicros: (end.sent?.encryptMicros ?? 0) - (start.sent?.encryptMicros ?? 0),
    decryptMicros: (end.received?.decryptMicros ?? 0) - (start.received?.decryptMicros ?? 0),
  };
}

window.e2eeHarness = { rawWorkers, sessions, rotation, ghost, keyChange, replay, ratchetOnJoin, bench };
document.title = 'ready';

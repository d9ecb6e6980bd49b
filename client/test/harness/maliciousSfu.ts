/**
 * Test-only stand-ins for the two servers E2EE must not have to trust, run in the browser
 * page of the E2EE harness:
 * - `FakeApi` signs participant certificates exactly like the API (ES256 compact JWS, claims
 *   room, sub, role, name, cnf.jkt, exp) and serves its JWKS.
 * - `MaliciousSfu` relays E2EE signals between real E2eeSessions like the SFU does, and can
 *   (a) inject a ghost peer with its own key, (b) rewrite a participant's signals in transit
 *   (key swap), and record every signal. (c) Replaying recorded media frames is done on the
 *   encoded-frame path by `replayingTap` below.
 * Never part of the shipped app.
 */
import { p256Thumbprint } from '../../src/e2ee/certificate.js';
import type { JwkSet } from '../../src/e2ee/certificate.js';
import { E2eeSession } from '../../src/e2ee/E2eeSession.js';
import type { E2eeSignal, TransformApi } from '../../src/e2ee/E2eeSession.js';
import { fromBase64Url, toBase64Url } from '../../src/e2ee/keyAgreement.js';

const json = (value: unknown): string => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/** Signs certificates like api/src/modules/rooms/roomTokenService.ts does. */
export class FakeApi {
  readonly #keys: Promise<CryptoKeyPair>;
  readonly kid = 'harness-api-key';

  constructor() {
    this.#keys = crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  }

  async jwks(): Promise<JwkSet> {
    const jwk = await crypto.subtle.exportKey('jwk', (await this.#keys).publicKey);
    return { keys: [{ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: this.kid, alg: 'ES256', use: 'sig' }] };
  }

  /** A certificate for `publicKey` (raw P-256, base64url); `claims` overrides for negative tests. */
  async certify(input: { room: string; userId: string; role: 'patient' | 'provider' | 'guest'; name: string; publicKey: string }, claims: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const header = json({ alg: 'ES256', kid: this.kid, typ: 'JWT' });
    const payload = json({
      iss: 'urn:medspa:api',
      aud: 'medspa-e2ee-participant',
      sub: input.userId,
      room: input.room,
      role: input.role,
      name: input.name,
      cnf: { jkt: await p256Thumbprint(fromBase64Url(input.publicKey)) },
      iat: now,
      exp: now + 3600,
      ...claims,
    });
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, (await this.#keys).privateKey, new TextEncoder().encode(`${header}.${payload}`));
    return `${header}.${payload}.${toBase64Url(new Uint8Array(signature))}`;
  }
}

/** Rewrites (or drops, with null) a signal from `from` to `to` in flight. */
export type Tamper = (from: string, to: string, signal: E2eeSignal) => E2eeSignal | null;

export interface JoinOptions {
  role: 'patient' | 'provider' | 'guest';
  name: string;
  /** Extra certificate claims (a guest's relation and inviter). */
  claims?: Record<string, unknown>;
  /** How the participant is certified: normally by the API; a ghost has none or a forged one. */
  certificate?: 'api' | 'none' | ((publicKey: string) => Promise<string>);
}

/** A signaling relay between sessions that behaves like a compromised SFU when told to. */
export class MaliciousSfu {
  readonly sessions = new Map<string, E2eeSession>();
  readonly log: { from: string; to: string; signal: E2eeSignal }[] = [];
  tamper: Tamper | null = null;

  constructor(
    readonly api: FakeApi,
    readonly room: string,
    readonly transformApi: TransformApi = 'script-transform',
  ) {}

  /** Adds a participant and runs its join: fresh key pair, certificate, commit. */
  async join(id: string, options: JoinOptions): Promise<E2eeSession> {
    const session = new E2eeSession({
      transformApi: this.transformApi,
      selfId: id,
      roomId: this.room,
      loadJwks: () => this.api.jwks(),
      send: (to, signal) => {
        const targets = to === null ? [...this.sessions.keys()].filter((other) => other !== id) : [to];
        for (const target of targets) {
          const delivered = this.tamper === null ? signal : this.tamper(id, target, signal);
          if (delivered === null) continue;
          this.log.push({ from: id, to: target, signal: delivered });
          void this.sessions.get(target)?.receive(id, delivered);
        }
      },
    });
    this.sessions.set(id, session);
    await this.certify(session, id, options);
    await session.start();
    return session;
  }

  /** (Re)certifies the identity `session` prepares next, as the room-token request does. */
  async certify(session: E2eeSession, id: string, options: JoinOptions): Promise<void> {
    const publicKey = await session.prepareIdentity();
    const mode = options.certificate ?? 'api';
    const certificate =
      mode === 'api'
        ? await this.api.certify({ room: this.room, userId: id, role: options.role, name: options.name, publicKey }, options.claims)
        : mode === 'none'
          ? null
          : await mode(publicKey);
    await session.setCertificate(certificate);
  }

  /** Sealed media keys the relay carried to `to` (what a ghost would need). */
  keysSentTo(to: string, since = 0): number {
    return this.log.slice(since).filter((entry) => entry.to === to && entry.signal.kind === 'senderKey').length;
  }

  leave(id: string): void {
    this.sessions.get(id)?.close();
    this.sessions.delete(id);
  }
}

type EncodedFrame = RTCEncodedVideoFrame | RTCEncodedAudioFrame;

/**
 * A malicious SFU's frame replay on the receive path: records the first `record` encrypted
 * frames, then overwrites the payload of every `every`-th later frame with a recorded one
 * (a replayed frame arrives as a new RTP frame carrying old ciphertext). Counts what it
 * replayed so the test can compare with the worker's replay counter.
 */
export function replayingTap(
  record: number,
  every: number,
): { transform: TransformStream<EncodedFrame, EncodedFrame>; replayed: () => number; stop: () => void } {
  const recorded: ArrayBuffer[] = [];
  let seen = 0;
  let replayed = 0;
  let stopped = false;
  const transform = new TransformStream<EncodedFrame, EncodedFrame>({
    transform: (frame, controller) => {
      seen += 1;
      if (recorded.length < record) {
        recorded.push(frame.data.slice(0));
      } else if (!stopped && seen % every === 0) {
        const old = recorded[replayed % recorded.length];
        if (old !== undefined) {
          frame.data = old.slice(0);
          replayed += 1;
        }
      }
      controller.enqueue(frame);
    },
  });
  return {
    transform,
    replayed: () => replayed,
    stop: () => {
      stopped = true;
    },
  };
}

import { Writable } from 'node:stream';
import { ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER } from '@medspa/shared-types';
import type { AdmissionCheckRequest, AdmissionCheckResult, RoomRole, SfuRoomEvent } from '@medspa/shared-types';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { MediaLimits } from '../../src/media/mediaLimits.js';
import type { KeyLike } from 'jose';
import type { ApiGateway } from '../../src/api/apiGateway.js';
import { createRoomTokenVerifier } from '../../src/auth/roomTokens.js';
import { createSfuLogger } from '../../src/logger.js';
import { SfuServer } from '../../src/SfuServer.js';

/**
 * Stands in for the API on the SFU's side of the internal contract: records what the SFU
 * reports and answers admission checks as the test decides. The real API side is covered by
 * api/test/rooms and the cross-service tests in test/.
 */
export class RecordingApi implements ApiGateway {
  readonly events: SfuRoomEvent[] = [];
  readonly admissionRequests: AdmissionCheckRequest[] = [];
  decide: (request: AdmissionCheckRequest) => AdmissionCheckResult = () => ({ allowed: true });

  checkAdmission = (request: AdmissionCheckRequest): Promise<AdmissionCheckResult> => {
    this.admissionRequests.push(request);
    return Promise.resolve(this.decide(request));
  };

  recordRoomEvent = (event: SfuRoomEvent): Promise<void> => {
    this.events.push(event);
    return Promise.resolve();
  };
}

/** Collects log lines so tests can check that nothing sensitive is written. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    callback();
  }
}

export interface RoomTokenInput {
  room: string;
  sub: string;
  role: RoomRole;
  practice: string;
  ttlSeconds?: number;
  issuedAt?: number;
}

export interface TestSfu {
  server: SfuServer;
  api: RecordingApi;
  logs: LogCapture;
  signRoomToken: (input: RoomTokenInput) => Promise<string>;
  /** The API's private key, for tests that forge or tamper with tokens. */
  apiKey: KeyLike;
  close: () => Promise<void>;
}

/** Signs a room token the way the API does (same issuer, audience, algorithm). */
export async function signRoomToken(key: KeyLike, kid: string, input: RoomTokenInput): Promise<string> {
  const issuedAt = input.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ room: input.room, role: input.role, practice: input.practice })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(ROOM_TOKEN_ISSUER)
    .setAudience(ROOM_TOKEN_AUDIENCE)
    .setSubject(input.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (input.ttlSeconds ?? 120))
    .sign(key);
}

/** Starts an SFU on a free port with its own worker(s), trusting a key made for this test. */
export async function startTestSfu(options: { workers?: number; corsOrigins?: string[]; limits?: MediaLimits } = {}): Promise<TestSfu> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `test-${Date.now().toString(36)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256' };
  const api = new RecordingApi();
  const logs = new LogCapture();
  const server = await SfuServer.start({
    host: '127.0.0.1',
    port: 0,
    workers: options.workers ?? 1,
    rtcMinPort: 40000,
    rtcMaxPort: 49999,
    listenIp: '127.0.0.1',
    verifyRoomToken: createRoomTokenVerifier({ jwks: { keys: [publicJwk] } }),
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    api,
    logger: createSfuLogger('info', logs),
  });
  return {
    server,
    api,
    logs,
    apiKey: privateKey,
    signRoomToken: (input) => signRoomToken(privateKey, kid, input),
    close: () => server.close(),
  };
}

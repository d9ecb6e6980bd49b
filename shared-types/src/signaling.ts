import { z } from 'zod';
import { guestRelationSchema } from './invitations.js';
import { sfuNodeIdSchema } from './sfuCluster.js';
import { VISIT_END_OUTCOMES } from './visit.js';

/**
 * SFU signaling contract (socket.io). The TypeScript maps below type both ends
 * (house rule 8, docs/house-rules.md); every payload is still parsed with these zod schemas at runtime,
 * because the other end is a browser we do not control.
 *
 * mediasoup's own parameter objects (RTP/DTLS/ICE parameters, RTP capabilities) are passed
 * through as opaque JSON objects: mediasoup validates their inner structure itself.
 */

/**
 * Role inside a consult room; the API derives it from the appointment when it signs the
 * token. `guest` is someone the visit's provider invited (an interpreter, a caregiver, a
 * supervising clinician): their token's `sub` is the invitation id, not a user id.
 */
export const ROOM_ROLES = ['patient', 'provider', 'guest'] as const;
export const roomRoleSchema = z.enum(ROOM_ROLES);
export type RoomRole = z.infer<typeof roomRoleSchema>;

/** `aud` of room tokens (RFC 7519 §4.1.3): only the SFU accepts them. */
export const ROOM_TOKEN_AUDIENCE = 'medspa-sfu';

/** `iss` of room tokens (RFC 7519 §4.1.1): the API, which signs every token it issues with this issuer. */
export const ROOM_TOKEN_ISSUER = 'urn:medspa:api';

/**
 * Private claims of a room token, beside the registered ones (iss, aud, sub = user id, exp).
 * `room` is the appointment id: one room (mediasoup router) per appointment.
 */
export const roomTokenClaimsSchema = z.object({
  sub: z.uuid(),
  room: z.uuid(),
  role: roomRoleSchema,
  practice: z.uuid(),
  /** With several SFU nodes: the node the API placed the room on (others refuse the token). */
  node: sfuNodeIdSchema.optional(),
  /** The API recorded this user's admission to the room: no second waiting room after a move. */
  admitted: z.boolean().optional(),
});
export type RoomTokenClaims = z.infer<typeof roomTokenClaimsSchema>;

/**
 * `aud` of E2EE participant certificates: an ES256 JWS the API signs when it issues a room
 * token, binding a per-join ECDH public key (by its RFC 7638 thumbprint in `cnf.jkt`,
 * RFC 7800 §3.1 / RFC 9449 §6.1) to the user, their role and this room. Peers verify it
 * against the API's JWKS before they seal a media key to that public key.
 */
export const E2EE_CERTIFICATE_AUDIENCE = 'medspa-e2ee-participant';

/** Private claims of a participant certificate beside iss, aud, sub (user id), iat and exp. */
export const e2eeCertificateClaimsSchema = z.object({
  sub: z.uuid(),
  room: z.uuid(),
  role: roomRoleSchema,
  /** Display name shown beside "holds the keys" (the SFU relays it: see docs/threat-model.md). */
  name: z.string().min(1).max(200),
  cnf: z.object({ jkt: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
  /** Guests only: why they are in the visit, and the name of the provider who invited them. */
  relation: guestRelationSchema.optional(),
  invitedBy: z.string().min(1).max(200).optional(),
});
export type E2eeCertificateClaims = z.infer<typeof e2eeCertificateClaimsSchema>;

/** Uncompressed P-256 point (SEC 1 §2.3.3: 0x04 || X || Y, 65 bytes), base64url without padding (87 chars). */
export const p256PublicKeySchema = z.string().regex(/^B[A-P][A-Za-z0-9_-]{85}$/, 'not an uncompressed P-256 point');

/** Body of POST /v1/appointments/:id/room-token: the public key of this join's fresh ECDH key pair. */
export const roomTokenRequestSchema = z.strictObject({ e2eePublicKey: p256PublicKeySchema });

/** socket.io handshake `auth` payload: which room, and the token that opens it. */
export const handshakeAuthSchema = z.object({
  roomId: z.uuid(),
  token: z.string().min(1).max(4096),
});
export type HandshakeAuth = z.infer<typeof handshakeAuthSchema>;

const opaqueObject = z.record(z.string(), z.unknown());

/** Identifiers only: names and other PHI never travel through the SFU. */
export const peerInfoSchema = z.object({
  peerId: z.uuid(),
  userId: z.uuid(),
  role: roomRoleSchema,
});
export type PeerInfo = z.infer<typeof peerInfoSchema>;

export const waitingPeerSchema = peerInfoSchema.extend({ waitingSince: z.iso.datetime() });
export type WaitingPeer = z.infer<typeof waitingPeerSchema>;

/**
 * What a producer must declare. The SFU refuses producers without `e2ee: true`: media is
 * encrypted frame by frame in the browser (WebCrypto AES-GCM in an RTCRtpScriptTransform),
 * keys are agreed between participants, and the SFU never receives them.
 */
export const producerAppDataSchema = z.object({
  e2ee: z.boolean(),
  source: z.enum(['camera', 'microphone', 'screen']),
});
export type ProducerAppData = z.infer<typeof producerAppDataSchema>;

export const transportDirectionSchema = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof transportDirectionSchema>;

/** Client -> server payloads. */
export const joinRequestSchema = z.object({});
export const admitRequestSchema = z.object({ peerId: z.uuid() });
/** Provider only: removes an admitted or waiting guest (after the API revoked their invitation). */
export const removeGuestRequestSchema = z.object({ peerId: z.uuid() });
export const createTransportRequestSchema = z.object({ direction: transportDirectionSchema });
export const connectTransportRequestSchema = z.object({ transportId: z.uuid(), dtlsParameters: opaqueObject });
export const restartIceRequestSchema = z.object({ transportId: z.uuid() });
export const produceRequestSchema = z.object({
  transportId: z.uuid(),
  kind: z.enum(['audio', 'video']),
  rtpParameters: opaqueObject,
  appData: producerAppDataSchema,
});
export const consumeRequestSchema = z.object({
  transportId: z.uuid(),
  producerId: z.uuid(),
  rtpCapabilities: opaqueObject,
});
export const consumerRequestSchema = z.object({ consumerId: z.uuid() });
export const preferredLayersRequestSchema = z.object({
  consumerId: z.uuid(),
  spatialLayer: z.number().int().min(0).max(3),
  temporalLayer: z.number().int().min(0).max(3).optional(),
});
export const producerRequestSchema = z.object({ producerId: z.uuid() });
/**
 * E2EE milestones reported by clients for the audit trail. Only the state travels, never
 * key material or the short authentication string itself.
 */
export const E2EE_STATES = ['keys_exchanged', 'sas_verified', 'sas_mismatch', 'failed'] as const;
export const e2eeStateRequestSchema = z.object({ state: z.enum(E2EE_STATES) });
export const leaveRequestSchema = z.object({});
/** Provider only, after the API recorded the outcome (POST /v1/appointments/:id/end): closes the room for everyone. */
export const endVisitRequestSchema = z.object({ outcome: z.enum(VISIT_END_OUTCOMES) });

/** Largest sealed chat message the SFU relays (base64url of a 4 000-character message plus tag). */
export const CHAT_CIPHERTEXT_MAX_CHARS = 16_384;
/**
 * An in-call chat message, end-to-end encrypted by the sender (client/src/e2ee/chatCrypto.ts):
 * AES-GCM under a key derived from the sender's current media key. The SFU relays it to the
 * other admitted peers as an opaque blob; it never stores or logs it.
 */
export const sealedChatSchema = z.object({
  keyIndex: z.number().int().min(0).max(255),
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  ciphertext: z.string().regex(/^[A-Za-z0-9_-]+$/).max(CHAT_CIPHERTEXT_MAX_CHARS),
});
export type SealedChat = z.infer<typeof sealedChatSchema>;
export const chatRequestSchema = z.object({ sealed: sealedChatSchema });

/** Largest relayed E2EE signal (JSON): a public key or one sealed media key is ~200 bytes. */
export const E2EE_SIGNAL_MAX_BYTES = 2048;
/**
 * E2EE key exchange between admitted peers of one room, relayed by the SFU: ECDH public keys
 * and media keys sealed for one recipient (client/src/e2ee). The SFU cannot read or use them;
 * it only stamps the sender's peer id. `to` null = every other admitted peer.
 */
export const e2eeSignalRequestSchema = z.object({
  to: z.uuid().nullable(),
  signal: opaqueObject.refine((signal) => JSON.stringify(signal).length <= E2EE_SIGNAL_MAX_BYTES, 'signal too large'),
});

/** Result of every request: the ack carries either data or a machine-readable error. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; reason?: string } };
export type AckCallback<T> = (result: Ack<T>) => void;

export interface JoinResult {
  status: 'waiting' | 'admitted';
  /** Set once admitted. */
  routerRtpCapabilities?: Record<string, unknown>;
  peers?: PeerInfo[];
  producers?: ProducerInfo[];
}

export interface ProducerInfo {
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
}

export interface TransportInfo {
  id: string;
  iceParameters: Record<string, unknown>;
  iceCandidates: Record<string, unknown>[];
  dtlsParameters: Record<string, unknown>;
}

export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  rtpParameters: Record<string, unknown>;
}

type Request<TPayload, TResult> = (payload: TPayload, ack: AckCallback<TResult>) => void;

/** Events the browser sends; each one answers through its ack. */
export interface ClientToServerEvents {
  join: Request<z.infer<typeof joinRequestSchema>, JoinResult>;
  admit: Request<z.infer<typeof admitRequestSchema>, { peerId: string }>;
  removeGuest: Request<z.infer<typeof removeGuestRequestSchema>, { peerId: string }>;
  createTransport: Request<z.infer<typeof createTransportRequestSchema>, TransportInfo>;
  connectTransport: Request<z.infer<typeof connectTransportRequestSchema>, Record<string, never>>;
  restartIce: Request<z.infer<typeof restartIceRequestSchema>, { iceParameters: Record<string, unknown> }>;
  produce: Request<z.infer<typeof produceRequestSchema>, { producerId: string }>;
  closeProducer: Request<z.infer<typeof producerRequestSchema>, Record<string, never>>;
  consume: Request<z.infer<typeof consumeRequestSchema>, ConsumerInfo>;
  resumeConsumer: Request<z.infer<typeof consumerRequestSchema>, Record<string, never>>;
  /**
   * Asks the producer behind a consumer for a key frame (RFC 4585 §6.3.1 PLI via the SFU): a
   * receiver whose media stalled (network drop) sends it so the picture is back with the
   * first packets after the network returns, not after the decoder's own recovery.
   */
  requestKeyFrame: Request<z.infer<typeof consumerRequestSchema>, Record<string, never>>;
  setPreferredLayers: Request<z.infer<typeof preferredLayersRequestSchema>, Record<string, never>>;
  reportE2eeState: Request<z.infer<typeof e2eeStateRequestSchema>, Record<string, never>>;
  leave: Request<z.infer<typeof leaveRequestSchema>, Record<string, never>>;
  e2eeSignal: Request<z.infer<typeof e2eeSignalRequestSchema>, Record<string, never>>;
  endVisit: Request<z.infer<typeof endVisitRequestSchema>, Record<string, never>>;
  chat: Request<z.infer<typeof chatRequestSchema>, Record<string, never>>;
}

/** Runtime schemas for every client event, keyed like ClientToServerEvents. */
export const clientRequestSchemas = {
  join: joinRequestSchema,
  admit: admitRequestSchema,
  removeGuest: removeGuestRequestSchema,
  createTransport: createTransportRequestSchema,
  connectTransport: connectTransportRequestSchema,
  restartIce: restartIceRequestSchema,
  produce: produceRequestSchema,
  closeProducer: producerRequestSchema,
  consume: consumeRequestSchema,
  resumeConsumer: consumerRequestSchema,
  requestKeyFrame: consumerRequestSchema,
  setPreferredLayers: preferredLayersRequestSchema,
  reportE2eeState: e2eeStateRequestSchema,
  leave: leaveRequestSchema,
  e2eeSignal: e2eeSignalRequestSchema,
  endVisit: endVisitRequestSchema,
  chat: chatRequestSchema,
} as const satisfies { [E in keyof ClientToServerEvents]: z.ZodType };

/** Why the server asks a client to rebuild its media (it keeps its place in the room). */
export const RECONNECT_REASONS = ['media_server_restarted', 'room_reset'] as const;
export type ReconnectReason = (typeof RECONNECT_REASONS)[number];

/** Events the server pushes. */
export interface ServerToClientEvents {
  /** To providers: who is in the waiting room now. */
  waitingRoom: (payload: { waiting: WaitingPeer[] }) => void;
  /** To a waiting patient: the provider let them in. */
  admitted: (payload: JoinResult) => void;
  peerJoined: (payload: PeerInfo) => void;
  peerLeft: (payload: { peerId: string }) => void;
  newProducer: (payload: ProducerInfo) => void;
  consumerClosed: (payload: { consumerId: string }) => void;
  /** Media state was lost (e.g. a worker died): call `join` again and rebuild transports. */
  reconnectRequired: (payload: { reason: ReconnectReason }) => void;
  /** Another connection of the same user took this seat; this socket is disconnected next. */
  replaced: (payload: Record<string, never>) => void;
  /** An E2EE signal from another admitted peer (see e2eeSignalRequestSchema). */
  e2eeSignal: (payload: { from: string; signal: Record<string, unknown> }) => void;
  /** To a waiting patient: the provider tried to admit them and the API said no, and why. */
  admissionRefused: (payload: { reason: AdmissionRefusalReason }) => void;
  /** An admitted peer's connection dropped; its seat is kept for a grace period (peerLeft follows if it does not return). */
  peerReconnecting: (payload: { peerId: string }) => void;
  /** The provider ended the visit: everyone leaves; this socket is disconnected next. */
  visitEnded: (payload: { outcome: (typeof VISIT_END_OUTCOMES)[number] }) => void;
  /** A sealed chat message from another admitted peer (see sealedChatSchema). */
  chat: (payload: { from: string; sealed: SealedChat }) => void;
  /** To a guest: the provider removed them (their invitation was withdrawn); this socket is disconnected next. */
  removed: (payload: Record<string, never>) => void;
}

/** Codes the SFU answers with; clients branch on these, never on messages. */
export const SIGNALING_ERROR_CODES = [
  'validation_failed',
  'not_admitted',
  'not_provider',
  'peer_not_found',
  'transport_not_found',
  'producer_not_found',
  'consumer_not_found',
  'cannot_consume',
  'e2ee_required',
  'admission_refused',
  'admission_unavailable',
  'room_unavailable',
  'rate_limited',
  'limit_reached',
  'internal_error',
] as const;
export type SignalingErrorCode = (typeof SIGNALING_ERROR_CODES)[number];

/** Codes of a refused socket.io connection (`connect_error` carries them in `data.code`). */
export const HANDSHAKE_ERROR_CODES = ['invalid_handshake', 'invalid_token', 'token_expired', 'wrong_room', 'wrong_node'] as const;
export type HandshakeErrorCode = (typeof HANDSHAKE_ERROR_CODES)[number];

/**
 * SFU -> API internal contract. The SFU authenticates as a service (a short-lived ES256 JWT
 * signed with its own key, audience SFU_SERVICE_AUDIENCE) and asks the API two things.
 */
export const SFU_SERVICE_AUDIENCE = 'medspa-api-sfu-service';
export const SFU_SERVICE_ISSUER = 'urn:medspa:sfu';

/** Before admitting: is the telehealth consent current and the provider licensed for this visit? */
export const admissionCheckRequestSchema = z.object({
  practiceId: z.uuid(),
  appointmentId: z.uuid(),
  /** The waiting participant: the patient's user id, or a guest's invitation id. */
  patientUserId: z.uuid(),
  providerUserId: z.uuid(),
  /** Who is waiting: the visit's patient (default) or an invited guest. */
  participantRole: z.enum(['patient', 'guest']).optional(),
});
export type AdmissionCheckRequest = z.infer<typeof admissionCheckRequestSchema>;

/** Why the API refused an admission (the scheduling module's reasons plus a participant check). */
export const ADMISSION_REFUSAL_REASONS = [
  'appointment_not_found',
  'appointment_not_active',
  'outside_visit_window',
  'no_telehealth_consent',
  'provider_not_licensed',
  'not_appointment_participant',
  /** A guest whose invitation was withdrawn or has expired. */
  'invitation_not_valid',
] as const;
export type AdmissionRefusalReason = (typeof ADMISSION_REFUSAL_REASONS)[number];
export const admissionCheckResultSchema = z.discriminatedUnion('allowed', [
  z.object({ allowed: z.literal(true) }),
  z.object({ allowed: z.literal(false), reason: z.enum(ADMISSION_REFUSAL_REASONS) }),
]);
export type AdmissionCheckResult = z.infer<typeof admissionCheckResultSchema>;

/** Room events the API writes to the audit trail (entity references only). */
export const SFU_EVENT_TYPES = ['room.join', 'room.leave', 'room.e2ee_state'] as const;
export const sfuRoomEventSchema = z.object({
  /** Idempotency key: the SFU retries until acknowledged; the API writes each id once. */
  eventId: z.uuid(),
  type: z.enum(SFU_EVENT_TYPES),
  practiceId: z.uuid(),
  appointmentId: z.uuid(),
  userId: z.uuid(),
  role: roomRoleSchema,
  peerId: z.uuid(),
  /** For room.e2ee_state: a producer declared E2EE (`producer_e2ee`) or a client milestone. */
  e2eeState: z.enum(['producer_e2ee', ...E2EE_STATES]).optional(),
  occurredAt: z.iso.datetime(),
});
export type SfuRoomEvent = z.infer<typeof sfuRoomEventSchema>;

/**
 * Participant certificates: the API signs (ES256 JWS, RFC 7515 compact serialization) that a
 * per-join ECDH public key belongs to a user with a role in one room. The key is named by
 * its RFC 7638 JWK thumbprint in `cnf.jkt` (RFC 7800 §3.1). Browsers verify certificates
 * against the API's JWKS, fetched from the API's own origin, never from the SFU that relays
 * them: a media server that announces a key without the API's signature gets no media key.
 */
import type { GuestRelation, RoomRole } from '@medspa/shared-types';
import { fromBase64Url, toBase64Url } from './keyAgreement.js';

/** What a verified certificate tells about a key holder. */
export interface CertifiedParticipant {
  userId: string;
  role: RoomRole;
  name: string;
  /** Guests: why they are in the visit (interpreter, caregiver...); null for patient and provider. */
  relation: GuestRelation | null;
  /** Guests: the name of the provider who invited them. */
  invitedBy: string | null;
  /** Seconds since the epoch (RFC 7519 NumericDate). */
  expiresAt: number;
}

/** Why a certificate was refused; shown to people in plain words by the room screen. */
export type CertificateProblem =
  | 'missing'
  | 'malformed'
  | 'bad_signature'
  | 'unknown_signing_key'
  | 'expired'
  | 'wrong_room'
  | 'wrong_user'
  | 'key_mismatch'
  | 'jwks_unavailable';

export type CertificateCheck = { ok: true; participant: CertifiedParticipant } | { ok: false; problem: CertificateProblem };

/** A JWK Set (RFC 7517 §5), as /.well-known/jwks.json serves it. */
export interface JwkSet {
  keys: (JsonWebKey & { kid?: string })[];
}

/**
 * Same values as E2EE_CERTIFICATE_AUDIENCE and ROOM_TOKEN_ISSUER in @medspa/shared-types,
 * repeated because the client bundle imports only types from that (CommonJS) package.
 */
const CERTIFICATE_AUDIENCE = 'medspa-e2ee-participant';
const CERTIFICATE_ISSUER = 'urn:medspa:api';
const ROLES: readonly RoomRole[] = ['patient', 'provider', 'guest'];
/** Same values as GUEST_RELATIONS in @medspa/shared-types (type-only import, see above). */
const RELATIONS: readonly GuestRelation[] = ['interpreter', 'caregiver', 'family_member', 'clinician'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

interface CertificateClaims {
  sub: string;
  room: string;
  role: RoomRole;
  name: string;
  exp: number;
  jkt: string;
  relation: GuestRelation | null;
  invitedBy: string | null;
}

function parseClaims(payload: unknown): CertificateClaims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const record = payload as Record<string, unknown>;
  const { sub, room, role, name, exp, iss, aud, cnf, relation, invitedBy } = record;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>).jkt : undefined;
  if (iss !== CERTIFICATE_ISSUER || aud !== CERTIFICATE_AUDIENCE) return null;
  if (typeof sub !== 'string' || !UUID.test(sub) || typeof room !== 'string' || !UUID.test(room)) return null;
  if (typeof role !== 'string' || !ROLES.includes(role as RoomRole)) return null;
  if (typeof name !== 'string' || name.length === 0 || name.length > 200 || typeof exp !== 'number') return null;
  if (typeof jkt !== 'string' || !THUMBPRINT.test(jkt)) return null;
  // A guest certificate must say why they are here and who invited them; others must not.
  if (role === 'guest') {
    if (typeof relation !== 'string' || !RELATIONS.includes(relation as GuestRelation)) return null;
    if (typeof invitedBy !== 'string' || invitedBy.length === 0 || invitedBy.length > 200) return null;
    return { sub, room, role, name, exp, jkt, relation: relation as GuestRelation, invitedBy };
  }
  return { sub, room, role: role as RoomRole, name, exp, jkt, relation: null, invitedBy: null };
}

/**
 * Who our own certificate says we are, for the "who holds the keys" list. Not verified: it
 * came straight from the API over HTTPS and only labels ourselves on our own screen.
 */
export function describeOwnCertificate(certificate: string): Omit<CertifiedParticipant, 'expiresAt'> | null {
  const payloadPart = certificate.split('.')[1];
  if (payloadPart === undefined) return null;
  let claims: CertificateClaims | null;
  try {
    claims = parseClaims(decodeJson(payloadPart));
  } catch {
    return null;
  }
  return claims === null ? null : { userId: claims.sub, role: claims.role, name: claims.name, relation: claims.relation, invitedBy: claims.invitedBy };
}

/** ECDSA P-256 with SHA-256 = JWS "ES256" (RFC 7518 §3.4); the signature is r || s, 64 bytes. */
const ES256: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
/** Allowed clock difference with the API when checking exp (RFC 7519 §4.1.4). */
const CLOCK_SKEW_SECONDS = 60;

/**
 * RFC 7638 thumbprint of a raw uncompressed P-256 point: SHA-256 over the JSON object with
 * exactly the required members crv, kty, x, y in lexicographic order and no whitespace.
 */
export async function p256Thumbprint(publicKey: Uint8Array): Promise<string> {
  if (publicKey.byteLength !== 65 || publicKey[0] !== 0x04) throw new Error('not an uncompressed P-256 point');
  const x = toBase64Url(publicKey.subarray(1, 33));
  const y = toBase64Url(publicKey.subarray(33, 65));
  const canonical = `{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`;
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical))));
}

function decodeJson(part: string): unknown {
  return JSON.parse(new TextDecoder().decode(fromBase64Url(part))) as unknown;
}

/**
 * Checks certificates for one room. `loadJwks` fetches the API's key set; it is cached and
 * fetched again once when a certificate names a key id we do not know (key rotation).
 */
export class CertificateVerifier {
  readonly #roomId: string;
  readonly #loadJwks: () => Promise<JwkSet>;
  readonly #now: () => number;
  #jwks: Promise<JwkSet> | null = null;

  constructor(roomId: string, loadJwks: () => Promise<JwkSet>, now: () => number = () => Date.now() / 1000) {
    this.#roomId = roomId;
    this.#loadJwks = loadJwks;
    this.#now = now;
  }

  async #key(kid: string): Promise<CryptoKey | 'unknown' | 'unavailable'> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (this.#jwks === null || attempt === 1) this.#jwks = this.#loadJwks();
      let set: JwkSet;
      try {
        set = await this.#jwks;
      } catch {
        this.#jwks = null;
        return 'unavailable';
      }
      const jwk = set.keys.find((key) => key.kid === kid && key.kty === 'EC' && key.crv === 'P-256');
      if (jwk !== undefined) {
        const { kty, crv, x, y } = jwk;
        return crypto.subtle.importKey('jwk', { kty, crv, x, y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      }
    }
    return 'unknown';
  }

  /** Verifies `certificate` for the key holder the relay calls `userId`, presenting `publicKey`. */
  async verify(certificate: string | undefined, userId: string, publicKey: Uint8Array): Promise<CertificateCheck> {
    if (certificate === undefined || certificate.length === 0) return { ok: false, problem: 'missing' };
    const parts = certificate.split('.');
    if (parts.length !== 3) return { ok: false, problem: 'malformed' };
    const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
    let header: unknown;
    let payload: unknown;
    let signature: Uint8Array<ArrayBuffer>;
    try {
      header = decodeJson(headerPart);
      payload = decodeJson(payloadPart);
      signature = fromBase64Url(signaturePart);
    } catch {
      return { ok: false, problem: 'malformed' };
    }
    // Pin the algorithm: never let the token choose (RFC 8725 §3.1).
    if (typeof header !== 'object' || header === null || !('alg' in header) || header.alg !== 'ES256' || !('kid' in header) || typeof header.kid !== 'string') {
      return { ok: false, problem: 'malformed' };
    }
    const key = await this.#key(header.kid);
    if (key === 'unavailable') return { ok: false, problem: 'jwks_unavailable' };
    if (key === 'unknown') return { ok: false, problem: 'unknown_signing_key' };
    const signed = new TextEncoder().encode(`${headerPart}.${payloadPart}`);
    if (signature.byteLength !== 64 || !(await crypto.subtle.verify(ES256, key, signature, signed))) {
      return { ok: false, problem: 'bad_signature' };
    }
    const claims = parseClaims(payload);
    if (claims === null) return { ok: false, problem: 'malformed' };
    if (claims.exp + CLOCK_SKEW_SECONDS < this.#now()) return { ok: false, problem: 'expired' };
    if (claims.room !== this.#roomId) return { ok: false, problem: 'wrong_room' };
    if (claims.sub !== userId) return { ok: false, problem: 'wrong_user' };
    if (claims.jkt !== (await p256Thumbprint(publicKey))) return { ok: false, problem: 'key_mismatch' };
    return {
      ok: true,
      participant: { userId: claims.sub, role: claims.role, name: claims.name, relation: claims.relation, invitedBy: claims.invitedBy, expiresAt: claims.exp },
    };
  }
}

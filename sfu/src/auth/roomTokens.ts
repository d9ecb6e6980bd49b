import { ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER, roomTokenClaimsSchema } from '@medspa/shared-types';
import type { HandshakeErrorCode, RoomTokenClaims } from '@medspa/shared-types';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';

/**
 * Room tokens are signed by the API with ES256 (RFC 7518 §3.4). Verification pins that one
 * algorithm so `alg: none` or HS256 keyed with the public key (RFC 8725 §2.1) is refused.
 */
const ROOM_TOKEN_ALGORITHMS = ['ES256'];

/** Tolerated clock difference between the API and the SFU when checking exp/iat. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Upper bound on a token's age regardless of its own `exp`: room tokens are meant to be used
 * within minutes of issue, so an old one is refused even if an API bug set a long expiry.
 */
const MAX_TOKEN_AGE = '10m';

/** A refused handshake, with the code the client receives in `connect_error`. */
export class HandshakeError extends Error {
  constructor(
    readonly code: HandshakeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HandshakeError';
  }
}

/** Where the API's public signing keys come from. */
export type RoomTokenKeys = { jwksUrl: URL } | { jwks: JSONWebKeySet };

/** Verifies a room token for one room; resolves to its claims or throws HandshakeError. */
export type RoomTokenVerifier = (token: string, roomId: string) => Promise<RoomTokenClaims>;

/** Builds the verifier; remote key sets are cached and refetched on an unknown `kid` (rotation). */
export function createRoomTokenVerifier(keys: RoomTokenKeys): RoomTokenVerifier {
  const keySet: JWTVerifyGetKey = 'jwksUrl' in keys ? createRemoteJWKSet(keys.jwksUrl) : createLocalJWKSet(keys.jwks);
  return async (token, roomId) => {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        algorithms: ROOM_TOKEN_ALGORITHMS,
        issuer: ROOM_TOKEN_ISSUER,
        audience: ROOM_TOKEN_AUDIENCE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: MAX_TOKEN_AGE,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new HandshakeError('token_expired', 'Room token expired; request a new one');
      }
      throw new HandshakeError('invalid_token', 'Room token is not valid');
    }
    const claims = roomTokenClaimsSchema.safeParse(payload);
    if (!claims.success) {
      throw new HandshakeError('invalid_token', 'Room token lacks required claims');
    }
    if (claims.data.room !== roomId) {
      throw new HandshakeError('wrong_room', 'Room token was issued for another room');
    }
    return claims.data;
  };
}

import { SignJWT, createLocalJWKSet, exportJWK, importJWK, jwtVerify } from 'jose';
import type { JWK, JWTPayload, KeyLike } from 'jose';

/**
 * JWS algorithm for every token the API signs: ECDSA P-256 with SHA-256 (RFC 7518 §3.4).
 * Verification pins this list, so a token declaring `alg: none` or an HMAC algorithm keyed
 * with the public key (RFC 8725 §2.1, §3.1) is refused.
 */
export const TOKEN_ALGORITHM = 'ES256';

/** `iss` of every token the API signs (RFC 7519 §4.1.1). */
export const TOKEN_ISSUER = 'urn:medspa:api';

/**
 * Audiences (RFC 7519 §4.1.3). Each kind of token gets its own so one can never be
 * replayed as another (RFC 8725 §3.9): an MFA-enrolment token is not an access token, an
 * access token does not open an SFU room.
 */
export const TOKEN_AUDIENCES = {
  /** Bearer tokens for this API. */
  api: 'medspa-api',
  /** Room tokens the SFU verifies with the public JWK from /.well-known/jwks.json. */
  sfu: 'medspa-sfu',
  /** Restricted tokens that can only enrol TOTP (staff who have not enrolled yet). */
  mfaEnrolment: 'medspa-mfa-enrolment',
  /** E2EE participant certificates that browsers verify with /.well-known/jwks.json. */
  e2eeCertificate: 'medspa-e2ee-participant',
} as const;

export type TokenAudience = (typeof TOKEN_AUDIENCES)[keyof typeof TOKEN_AUDIENCES];

/** Tolerated clock difference between signer and verifier when checking exp/nbf/iat. */
export const CLOCK_TOLERANCE_SECONDS = 5;

export interface SignOptions {
  audience: TokenAudience;
  subject: string;
  ttlSeconds: number;
  /** Private claims; registered claim names (iss, aud, sub, exp, iat, nbf) are set here. */
  claims?: Record<string, string | number | boolean | Record<string, string>>;
}

/** Signs and verifies the API's JWTs with one ES256 key pair. */
export interface TokenService {
  readonly kid: string;
  sign: (options: SignOptions) => Promise<string>;
  /** Verifies signature, algorithm, issuer, audience and expiry; throws when any fails. */
  verify: (token: string, audience: TokenAudience) => Promise<JWTPayload>;
  /**
   * The current public key first, then the previous ones still accepted, as a JWK Set
   * (RFC 7517 §5) for /.well-known/jwks.json.
   */
  publicJwks: () => { keys: JWK[] };
}

/**
 * Normalises one earlier signing key (AUTH_PREVIOUS_JWKS) to a published verification key:
 * public members only, ES256 pinned, `kid` required and distinct from every other key.
 */
async function previousPublicJwk(jwk: JWK, seen: Set<string>): Promise<JWK> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new Error('AUTH_PREVIOUS_JWKS entries must be EC P-256 public keys');
  }
  if ('d' in jwk) throw new Error('AUTH_PREVIOUS_JWKS must hold public keys only');
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid.length === 0) throw new Error('AUTH_PREVIOUS_JWKS entries must carry a "kid"');
  if (seen.has(kid)) throw new Error(`AUTH_PREVIOUS_JWKS repeats the kid "${kid}"`);
  seen.add(kid);
  // Importing proves the point is on the curve before the key is published.
  await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, TOKEN_ALGORITHM);
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: TOKEN_ALGORITHM, use: 'sig' };
}

/**
 * Loads the private JWK from configuration (AUTH_SIGNING_JWK). The key must be an EC P-256
 * private key with a `kid`, which every token header carries so verifiers pick the right
 * key after a rotation. `previousPublicJwks` (AUTH_PREVIOUS_JWKS) are earlier keys: they
 * never sign, but stay published and verify, so tokens issued just before a rotation keep
 * working until they expire (docs/operations.md, "Rotating the signing key").
 */
export async function createTokenService(privateJwkJson: string, previousPublicJwks: readonly JWK[] = []): Promise<TokenService> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(privateJwkJson) as JWK;
  } catch {
    throw new Error('AUTH_SIGNING_JWK is not valid JSON');
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error('AUTH_SIGNING_JWK must be an EC P-256 private key');
  }
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new Error('AUTH_SIGNING_JWK must carry a "kid"');
  }
  const privateKey = (await importJWK(jwk, TOKEN_ALGORITHM)) as KeyLike;
  // The public half is the same JWK without the private scalar `d` (RFC 7518 §6.2.2.1).
  const publicKey = (await importJWK(
    { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, alg: TOKEN_ALGORITHM },
    TOKEN_ALGORITHM,
  )) as KeyLike;
  const exportedPublic = await exportJWK(publicKey);
  const publicJwk: JWK = { ...exportedPublic, kid, alg: TOKEN_ALGORITHM, use: 'sig' };
  const seen = new Set([kid]);
  const previous: JWK[] = [];
  for (const jwk of previousPublicJwks) previous.push(await previousPublicJwk(jwk, seen));
  const published = { keys: [publicJwk, ...previous] };
  // Picks the key by the token's `kid` (and alg); an unknown kid fails verification.
  const verificationKeys = createLocalJWKSet(published);

  return {
    kid,
    sign: async ({ audience, subject, ttlSeconds, claims = {} }) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
    verify: async (token, audience) => {
      const { payload } = await jwtVerify(token, verificationKeys, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      return payload;
    },
    publicJwks: () => ({ keys: published.keys.map((key) => ({ ...key })) }),
  };
}

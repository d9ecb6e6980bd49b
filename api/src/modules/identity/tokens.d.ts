import type { JWK, JWTPayload } from 'jose';
/**
 * JWS algorithm for every token the API signs: ECDSA P-256 with SHA-256 (RFC 7518 §3.4).
 * Verification pins this list, so a token declaring `alg: none` or an HMAC algorithm keyed
 * with the public key (RFC 8725 §2.1, §3.1) is refused.
 */
export declare const TOKEN_ALGORITHM = "ES256";
/** `iss` of every token the API signs (RFC 7519 §4.1.1). */
export declare const TOKEN_ISSUER = "urn:medspa:api";
/**
 * Audiences (RFC 7519 §4.1.3). Each kind of token gets its own so one can never be
 * replayed as another (RFC 8725 §3.9): an MFA-enrolment token is not an access token, an
 * access token does not open an SFU room.
 */
export declare const TOKEN_AUDIENCES: {
    /** Bearer tokens for this API. */
    readonly api: "medspa-api";
    /** Room tokens the SFU verifies with the public JWK from /.well-known/jwks.json. */
    readonly sfu: "medspa-sfu";
    /** Restricted tokens that can only enrol TOTP (staff who have not enrolled yet). */
    readonly mfaEnrolment: "medspa-mfa-enrolment";
};
export type TokenAudience = (typeof TOKEN_AUDIENCES)[keyof typeof TOKEN_AUDIENCES];
export interface SignOptions {
    audience: TokenAudience;
    subject: string;
    ttlSeconds: number;
    /** Private claims; registered claim names (iss, aud, sub, exp, iat, nbf) are set here. */
    claims?: Record<string, string | number | boolean>;
}
/** Signs and verifies the API's JWTs with one ES256 key pair. */
export interface TokenService {
    readonly kid: string;
    sign: (options: SignOptions) => Promise<string>;
    /** Verifies signature, algorithm, issuer, audience and expiry; throws when any fails. */
    verify: (token: string, audience: TokenAudience) => Promise<JWTPayload>;
    /** The public key as a JWK Set (RFC 7517 §5) for /.well-known/jwks.json. */
    publicJwks: () => {
        keys: JWK[];
    };
}
/**
 * Loads the private JWK from configuration (AUTH_SIGNING_JWK). The key must be an EC P-256
 * private key with a `kid`, which every token header carries so verifiers pick the right
 * key after a rotation.
 */
export declare function createTokenService(privateJwkJson: string): Promise<TokenService>;

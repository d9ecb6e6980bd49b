import { SFU_SERVICE_AUDIENCE, SFU_SERVICE_ISSUER } from '@medspa/shared-types';
import { SignJWT, importJWK } from 'jose';
import type { JWK } from 'jose';

/** Service tokens are ES256 JWTs (RFC 7518 §3.4), like every other token in the platform. */
const SERVICE_TOKEN_ALGORITHM = 'ES256';

/** Lifetime of one service token; short, so a leaked one is useless within a minute. */
const SERVICE_TOKEN_TTL_SECONDS = 60;

/** A token is reused until this many seconds before it expires. */
const REFRESH_MARGIN_SECONDS = 20;

/**
 * Signs the SFU's bearer tokens for the API's internal endpoints. The API holds only the
 * public half (SFU_SERVICE_PUBLIC_JWK), so nothing shared has to be kept secret on both sides.
 */
export async function createServiceTokenSigner(privateJwk: JWK & { kid: string }): Promise<() => Promise<string>> {
  const key = await importJWK(privateJwk, SERVICE_TOKEN_ALGORITHM);
  let cached: { token: string; expiresAt: number } | undefined;
  return async () => {
    const now = Math.floor(Date.now() / 1000);
    if (cached !== undefined && cached.expiresAt - REFRESH_MARGIN_SECONDS > now) {
      return cached.token;
    }
    const expiresAt = now + SERVICE_TOKEN_TTL_SECONDS;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: SERVICE_TOKEN_ALGORITHM, kid: privateJwk.kid, typ: 'JWT' })
      .setIssuer(SFU_SERVICE_ISSUER)
      .setAudience(SFU_SERVICE_AUDIENCE)
      .setSubject('sfu')
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(key);
    cached = { token, expiresAt };
    return token;
  };
}

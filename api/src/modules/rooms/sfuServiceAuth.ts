import { SFU_SERVICE_AUDIENCE, SFU_SERVICE_ISSUER } from '@medspa/shared-types';
import type { RequestHandler } from 'express';
import { importJWK, jwtVerify } from 'jose';
import type { JWK, KeyLike } from 'jose';
import { AppError, unauthorized } from '../../errors.js';

/** The SFU signs with ES256 (RFC 7518 §3.4); pinning it refuses `none` and HMAC confusion (RFC 8725 §2.1). */
const SERVICE_TOKEN_ALGORITHMS = ['ES256'];
/** Service tokens live 60 s; anything older than this is refused whatever its `exp` says. */
const MAX_SERVICE_TOKEN_AGE = '2m';
const BEARER = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/;

/** Parses SFU_SERVICE_PUBLIC_JWK; refuses private keys so the API never holds the SFU's secret. */
export async function loadSfuServiceKey(publicJwkJson: string): Promise<KeyLike> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(publicJwkJson) as JWK;
  } catch {
    throw new Error('SFU_SERVICE_PUBLIC_JWK is not valid JSON');
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.d !== undefined) {
    throw new Error('SFU_SERVICE_PUBLIC_JWK must be an EC P-256 public key (no "d")');
  }
  return (await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')) as KeyLike;
}

/**
 * Guards the SFU's internal endpoints: a bearer JWT signed by the SFU's service key with the
 * service audience. Without a configured key every call is refused (no default secret).
 */
export function requireSfuService(key: KeyLike | undefined): RequestHandler {
  return async (req, _res, next) => {
    if (key === undefined) {
      throw new AppError(503, 'sfu_integration_disabled', 'SFU_SERVICE_PUBLIC_JWK is not configured');
    }
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      throw unauthorized('service_token_missing', 'SFU service token required');
    }
    try {
      await jwtVerify(match[1], key, {
        algorithms: SERVICE_TOKEN_ALGORITHMS,
        issuer: SFU_SERVICE_ISSUER,
        audience: SFU_SERVICE_AUDIENCE,
        maxTokenAge: MAX_SERVICE_TOKEN_AGE,
        requiredClaims: ['exp', 'iat'],
      });
    } catch {
      throw unauthorized('service_token_invalid', 'SFU service token is invalid');
    }
    next();
  };
}

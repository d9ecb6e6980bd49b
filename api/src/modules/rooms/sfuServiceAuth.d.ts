import type { RequestHandler } from 'express';
import type { KeyLike } from 'jose';
/** Parses SFU_SERVICE_PUBLIC_JWK; refuses private keys so the API never holds the SFU's secret. */
export declare function loadSfuServiceKey(publicJwkJson: string): Promise<KeyLike>;
/**
 * Guards the SFU's internal endpoints: a bearer JWT signed by the SFU's service key with the
 * service audience. Without a configured key every call is refused (no default secret).
 */
export declare function requireSfuService(key: KeyLike | undefined): RequestHandler;

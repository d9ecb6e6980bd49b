import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import type { ApiServices } from '../../services.js';
import type { TokenPair } from './accessTokens.js';
/**
 * Exchanges a refresh token for a new access token and a new refresh token. Failures
 * commit first (a detected reuse must stay revoked and audited), then answer 401.
 */
export declare function refreshSession(services: ApiServices, context: RequestContext, refreshToken: string): Promise<TokenPair>;
/** Ends the caller's session: its access token and every refresh token in its family stop working. */
export declare function logout(services: ApiServices, context: RequestContext, auth: AuthContext): Promise<void>;

import type { Role } from '@medspa/shared-types';
import type { AuthContext } from '../../http/requestContext.js';
import type { TokenService } from './tokens.js';
/** Issues a short-lived access token for a session. */
export declare function issueAccessToken(tokens: TokenService, ttlSeconds: number, auth: AuthContext): Promise<string>;
/** Verifies an access token and returns its claims; throws on any failure (caller maps to 401). */
export declare function verifyAccessToken(tokens: TokenService, token: string): Promise<AuthContext>;
/** What a successful login, MFA confirmation or refresh returns to the client. */
export interface TokenPair {
    status: 'authenticated';
    tokenType: 'Bearer';
    accessToken: string;
    /** Seconds until the access token expires. */
    expiresIn: number;
    refreshToken: string;
    user: {
        id: string;
        practiceId: string;
        role: Role;
    };
}
/** Builds the token response for an open session. */
export declare function tokenPairFor(tokens: TokenService, ttlSeconds: number, auth: AuthContext, refreshToken: string): Promise<TokenPair>;

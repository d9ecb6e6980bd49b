import { roleSchema } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import { z } from 'zod';
import type { AuthContext } from '../../http/requestContext.js';
import { TOKEN_AUDIENCES } from '../../auth/tokens.js';
import type { TokenService } from '../../auth/tokens.js';

/**
 * Private claims of an access token: `pid` practice (tenant), `role`, `sid` session. `sub`
 * (RFC 7519 §4.1.2) is the user id.
 */
const accessClaimsSchema = z.object({
  sub: z.uuid(),
  pid: z.uuid(),
  sid: z.uuid(),
  role: roleSchema,
});

/** Issues a short-lived access token for a session. */
export async function issueAccessToken(
  tokens: TokenService,
  ttlSeconds: number,
  auth: AuthContext,
): Promise<string> {
  return tokens.sign({
    audience: TOKEN_AUDIENCES.api,
    subject: auth.userId,
    ttlSeconds,
    claims: { pid: auth.practiceId, role: auth.role, sid: auth.sessionId },
  });
}

/** Verifies an access token and returns its claims; throws on any failure (caller maps to 401). */
export async function verifyAccessToken(tokens: TokenService, token: string): Promise<AuthContext> {
  const payload = await tokens.verify(token, TOKEN_AUDIENCES.api);
  const claims = accessClaimsSchema.parse(payload);
  return { userId: claims.sub, practiceId: claims.pid, role: claims.role, sessionId: claims.sid };
}

/** What a successful login, MFA confirmation or refresh returns to the client. */
export interface TokenPair {
  status: 'authenticated';
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  user: { id: string; practiceId: string; role: Role };
}

/** Builds the token response for an open session. */
export async function tokenPairFor(
  tokens: TokenService,
  ttlSeconds: number,
  auth: AuthContext,
  refreshToken: string,
): Promise<TokenPair> {
  return {
    status: 'authenticated',
    tokenType: 'Bearer',
    accessToken: await issueAccessToken(tokens, ttlSeconds, auth),
    expiresIn: ttlSeconds,
    refreshToken,
    user: { id: auth.userId, practiceId: auth.practiceId, role: auth.role },
  };
}

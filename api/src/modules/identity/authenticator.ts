import type { IncomingMessage } from 'node:http';
import { errors as joseErrors } from 'jose';
import { withTenant } from '../../db/tenantTransaction.js';
import { unauthorized } from '../../errors.js';
import type { Authenticator } from '../../http/mountRoutes.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import type { ApiServices } from '../../services.js';
import { verifyAccessToken } from './accessTokens.js';
import { peekSession, useSession } from './sessions.js';
import type { SessionCheck } from './sessions.js';

/** RFC 6750 §2.1 bearer credentials; the scheme name is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9_.-]{1,4096})$/;

const REFUSAL_MESSAGES = {
  session_revoked: 'Session has ended; sign in again',
  session_expired: 'Session has expired; sign in again',
  session_idle_timeout: 'Signed out after inactivity; sign in again',
  account_disabled: 'Account is disabled',
} as const;

/** What verifying a token and its session needs (available before the other services are built). */
export type AuthenticatorDependencies = Pick<ApiServices, 'tokens' | 'dataSource' | 'config'>;

/** Verifies a bearer access token and its live session; throws a 401 AppError when it cannot. */
export type TokenAuthenticator = (token: string, context: RequestContext) => Promise<AuthContext>;

/**
 * Verifies an access token and the session behind it, counting the call as activity: what
 * every authenticated HTTP request and every live-channel handshake goes through.
 */
export function createTokenAuthenticator({ tokens, dataSource, config }: AuthenticatorDependencies): TokenAuthenticator {
  return async (token, context) => {
    let claimed: AuthContext;
    try {
      claimed = await verifyAccessToken(tokens, token);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw unauthorized('token_expired', 'Access token has expired; refresh it');
      }
      throw unauthorized('token_invalid', 'Access token is invalid');
    }
    const check = await withTenant(dataSource, claimed.practiceId, (manager) =>
      useSession(manager, context, {
        practiceId: claimed.practiceId,
        sessionId: claimed.sessionId,
        userId: claimed.userId,
        idleTimeoutSeconds: config.IDLE_TIMEOUT_SECONDS,
      }),
    );
    if (!check.ok) {
      throw unauthorized(check.refusal, REFUSAL_MESSAGES[check.refusal]);
    }
    return { ...claimed, role: check.role };
  };
}

/**
 * Re-checks an already authenticated caller's session without counting it as activity (an
 * open live connection is not someone using the app, so it must not hold off idle logoff).
 * An idle session is ended and the logoff audited, as on any request.
 */
export function createSessionRecheck({ dataSource, config }: AuthenticatorDependencies): (auth: AuthContext, context: RequestContext) => Promise<SessionCheck> {
  return (auth, context) =>
    withTenant(dataSource, auth.practiceId, (manager) =>
      peekSession(manager, context, {
        practiceId: auth.practiceId,
        sessionId: auth.sessionId,
        userId: auth.userId,
        idleTimeoutSeconds: config.IDLE_TIMEOUT_SECONDS,
      }),
    );
}

/**
 * Authenticates every non-public route: a valid ES256 access token (audience-bound, so an
 * MFA-enrolment or SFU room token is refused), then a live session — not revoked, not past
 * its absolute expiry, not idle (automatic logoff, HIPAA 164.312(a)(2)(iii)), user not
 * disabled. Staff only get sessions after TOTP, so nothing behind this reaches them earlier.
 */
export function createAuthenticator(dependencies: AuthenticatorDependencies): Authenticator {
  const verify = createTokenAuthenticator(dependencies);
  return async (req: IncomingMessage, context) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      throw unauthorized('token_missing', 'Bearer access token required');
    }
    return verify(match[1], context);
  };
}

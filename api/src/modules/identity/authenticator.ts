import type { IncomingMessage } from 'node:http';
import { errors as joseErrors } from 'jose';
import { withTenant } from '../../db/tenantTransaction.js';
import { unauthorized } from '../../errors.js';
import type { Authenticator } from '../../http/mountRoutes.js';
import type { AuthContext } from '../../http/requestContext.js';
import type { ApiServices } from '../../services.js';
import { verifyAccessToken } from './accessTokens.js';
import { useSession } from './sessions.js';

/** RFC 6750 §2.1 bearer credentials; the scheme name is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9_.-]{1,4096})$/;

const REFUSAL_MESSAGES = {
  session_revoked: 'Session has ended; sign in again',
  session_expired: 'Session has expired; sign in again',
  session_idle_timeout: 'Signed out after inactivity; sign in again',
  account_disabled: 'Account is disabled',
} as const;

/**
 * Authenticates every non-public route: a valid ES256 access token (audience-bound, so an
 * MFA-enrolment or SFU room token is refused), then a live session — not revoked, not past
 * its absolute expiry, not idle (automatic logoff, HIPAA 164.312(a)(2)(iii)), user not
 * disabled. Staff only get sessions after TOTP, so nothing behind this reaches them earlier.
 */
export function createAuthenticator({ tokens, dataSource, config }: ApiServices): Authenticator {
  return async (req: IncomingMessage, context) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (match?.[1] === undefined) {
      throw unauthorized('token_missing', 'Bearer access token required');
    }
    let claimed: AuthContext;
    try {
      claimed = await verifyAccessToken(tokens, match[1]);
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

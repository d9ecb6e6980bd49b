import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { unauthorized } from '../../errors.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import type { ApiServices } from '../../services.js';
import { tokenPairFor } from './accessTokens.js';
import type { TokenPair } from './accessTokens.js';
import { practiceOfRefreshToken, revokeSession, rotateRefreshToken } from './sessions.js';

const REFRESH_MESSAGES = {
  refresh_invalid: 'Refresh token is not valid',
  refresh_reused: 'Refresh token was already used; the session has been ended',
  session_revoked: 'Session has ended; sign in again',
  session_expired: 'Session has expired; sign in again',
  session_idle_timeout: 'Signed out after inactivity; sign in again',
  account_disabled: 'Account is disabled',
} as const;

/**
 * Exchanges a refresh token for a new access token and a new refresh token. Failures
 * commit first (a detected reuse must stay revoked and audited), then answer 401.
 */
export async function refreshSession(
  services: ApiServices,
  context: RequestContext,
  refreshToken: string,
): Promise<TokenPair> {
  const practiceId = practiceOfRefreshToken(refreshToken);
  const outcome = await withTenant(services.dataSource, practiceId, (manager) =>
    rotateRefreshToken(manager, context, {
      practiceId,
      refreshToken,
      idleTimeoutSeconds: services.config.IDLE_TIMEOUT_SECONDS,
    }),
  );
  if (!outcome.ok) {
    throw unauthorized(outcome.code, REFRESH_MESSAGES[outcome.code]);
  }
  return tokenPairFor(
    services.tokens,
    services.config.ACCESS_TOKEN_TTL_SECONDS,
    { userId: outcome.userId, practiceId, role: outcome.role, sessionId: outcome.sessionId },
    outcome.refreshToken,
  );
}

/** Ends the caller's session: its access token and every refresh token in its family stop working. */
export async function logout(services: ApiServices, context: RequestContext, auth: AuthContext): Promise<void> {
  await withTenant(services.dataSource, auth.practiceId, async (manager) => {
    await revokeSession(manager, auth.sessionId, 'logout');
    await recordAudit(manager, auth.practiceId, context, {
      action: 'auth.logout',
      entityType: 'session',
      entityId: auth.sessionId,
    });
  });
}

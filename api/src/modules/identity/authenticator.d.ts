import type { Authenticator } from '../../http/mountRoutes.js';
import type { ApiServices } from '../../services.js';
/**
 * Authenticates every non-public route: a valid ES256 access token (audience-bound, so an
 * MFA-enrolment or SFU room token is refused), then a live session — not revoked, not past
 * its absolute expiry, not idle (automatic logoff, HIPAA 164.312(a)(2)(iii)), user not
 * disabled. Staff only get sessions after TOTP, so nothing behind this reaches them earlier.
 */
export declare function createAuthenticator({ tokens, dataSource, config }: ApiServices): Authenticator;

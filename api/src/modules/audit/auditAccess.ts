import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import { unauthorized } from '../../errors.js';

/** The caller's identity; audit services are never public, so its absence is a 401. */
export function requireAuth(context: RequestContext): AuthContext {
  if (context.auth === null) {
    throw unauthorized();
  }
  return context.auth;
}

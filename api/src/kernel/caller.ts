import type { AuthContext, RequestContext } from '../http/requestContext.js';
import { unauthorized } from '../errors.js';

/**
 * Who is calling a use case: the authenticated user, their practice (tenant), role and
 * session. Every use case behind a signed-in route takes it from the request context
 * through `callerOf`, the one place that turns "no caller" into a 401.
 */
export type Caller = AuthContext;

/** The signed-in caller of a non-public route; a use case reached without one answers 401. */
export function callerOf(context: RequestContext): Caller {
  if (context.auth === null) {
    throw unauthorized();
  }
  return context.auth;
}

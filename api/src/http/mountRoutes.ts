import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Request, Response, Router } from 'express';
import { forbidden } from '../errors.js';
import { clientAddress } from './clientAddress.js';
import type { AuthContext, RequestContext } from './requestContext.js';
import { requestIdOf } from './requestContext.js';
import type { HandlerResult, RouteSpec } from './route.js';

/** Establishes who is calling; throws a 401 AppError when it cannot. */
export type Authenticator = (req: IncomingMessage, context: RequestContext) => Promise<AuthContext>;

function contextOf(req: Request): RequestContext {
  const userAgent = req.get('user-agent');
  return {
    requestId: requestIdOf(req),
    ip: clientAddress(req),
    userAgent: userAgent ?? null,
    auth: null,
  };
}

async function send(res: Response, result: HandlerResult): Promise<void> {
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    res.setHeader(name, value);
  }
  res.status(result.status ?? 200);
  if (result.stream !== undefined) {
    // Headers are gone once streaming starts: a failure can only cut the response short,
    // which the client sees as a truncated body without the signed manifest.
    if (result.trailers === undefined) {
      await pipeline(result.stream, res);
      return;
    }
    await pipeline(result.stream, res, { end: false });
    res.addTrailers(await result.trailers());
    res.end();
    return;
  }
  if (result.body === undefined) {
    res.end();
    return;
  }
  res.json(result.body);
}

/** Records a route-level role refusal (kernel/refusalAudit.ts) before the 403 is sent. */
export type RefusalAuditor = (route: RouteSpec, context: RequestContext) => Promise<void>;

/**
 * Mounts route specs: authenticate -> role check -> validate -> handle -> respond. A
 * role refusal is handed to `auditRefusal` first, so it is on record like the refusals
 * use cases write through the kernel.
 */
export function mountRoutes(
  router: Router,
  routes: readonly RouteSpec[],
  authenticate: Authenticator,
  auditRefusal?: RefusalAuditor,
): void {
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      const context = contextOf(req);
      if (route.access !== 'public') {
        context.auth = await authenticate(req, context);
        if (route.access !== 'authenticated' && !route.access.includes(context.auth.role)) {
          await auditRefusal?.(route, context);
          throw forbidden();
        }
      }
      const result = await route.invoke({ body: req.body, query: req.query, params: req.params }, context);
      await send(res, result);
    });
  }
}

import type { DataSource } from 'typeorm';
import { recordAudit } from '../audit/auditWriter.js';
import { withTenant } from '../db/tenantTransaction.js';
import type { RequestContext } from '../http/requestContext.js';
import type { RouteSpec } from '../http/route.js';

/**
 * The refusal-audit policy (docs/access-policy.md): every 403 is on record, wherever it
 * is decided. A use case's refusal is written by `auditedAccess` under the access's own
 * action; a route-level role refusal (403 before any use case runs) is written here as
 * `access.denied` with outcome `denied`, naming the route template (never its
 * parameters or body) as the entity, through the same chain writer.
 */
export function routeRefusalAuditor(dataSource: DataSource): (route: RouteSpec, context: RequestContext) => Promise<void> {
  return async (route, context) => {
    const auth = context.auth;
    if (auth === null) return;
    await withTenant(dataSource, auth.practiceId, (tx) =>
      recordAudit(tx, auth.practiceId, context, {
        action: 'access.denied',
        outcome: 'denied',
        entityType: 'route',
        entityId: `${route.method.toUpperCase()} ${route.path}`,
      }),
    );
  };
}

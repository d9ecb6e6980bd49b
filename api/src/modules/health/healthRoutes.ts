import { AppError } from '../../errors.js';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';

/** Liveness (process is up) and readiness (database reachable, schema current, not draining). */
export function healthRoutes({ dataSource, lifecycle }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/health',
      access: 'public',
      summary: 'Liveness probe',
      handle: () => Promise.resolve({ body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/ready',
      access: 'public',
      summary: 'Readiness probe',
      handle: async () => {
        if (lifecycle.shuttingDown) {
          throw new AppError(503, 'shutting_down', 'Server is shutting down');
        }
        try {
          await dataSource.query('SELECT 1');
        } catch {
          throw new AppError(503, 'database_unavailable', 'Database is not reachable');
        }
        if (await dataSource.showMigrations()) {
          throw new AppError(503, 'migrations_pending', 'Database schema is not up to date');
        }
        return { body: { status: 'ready' } };
      },
    }),
  ];
}

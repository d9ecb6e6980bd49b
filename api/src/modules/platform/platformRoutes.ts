import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import { buildOpenApiDocument } from './openApiDocument.js';

const API_VERSION = '0.1.0';

/** GET /openapi.json: the contract generated from every mounted route (including itself). */
export function platformRoutes(allRoutes: () => readonly RouteSpec[]): RouteSpec[] {
  let document: Record<string, unknown> | undefined;
  return [
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      access: 'public',
      summary: 'OpenAPI 3.1 document of this API',
      handle: () => {
        // Routes are fixed once the app is built, so the document is built once.
        document ??= buildOpenApiDocument(allRoutes(), API_VERSION);
        return Promise.resolve({ body: document });
      },
    }),
  ];
}

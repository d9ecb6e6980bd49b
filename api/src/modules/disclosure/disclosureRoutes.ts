import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { providerDisclosurePage } from './providerDisclosure.js';

/** Public pages about a practice's providers. */
export function disclosureRoutes({ dataSource }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/practices/:slug/providers',
      access: 'public',
      summary: 'Provider disclosure page: names, credentials, specialties (CT Public Act 14-119 (d))',
      params: z.strictObject({ slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/) }),
      handle: async ({ params }) => ({ body: await providerDisclosurePage(dataSource, params.slug) }),
    }),
  ];
}

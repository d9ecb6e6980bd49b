import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { chartRoutes } from '../chart/chartRoutes.js';
import { disclosureRoutes } from '../disclosure/disclosureRoutes.js';
import { followUpRoutes } from '../followups/followUpRoutes.js';
import { gfeRoutes } from '../gfe/gfeRoutes.js';
import { kpiRoutes } from '../kpi/kpiRoutes.js';
import { notesRoutes } from '../notes/notesRoutes.js';
import { referralRoutes } from '../referrals/referralRoutes.js';
import { recordsRoutes } from './recordsRoutes.js';

/** Every clinical-records route (notes, GFE, follow-ups, photos, patient views, KPIs, disclosure). */
export function clinicalRoutes(services: ApiServices): RouteSpec[] {
  return [
    ...notesRoutes(services),
    ...gfeRoutes(services),
    ...followUpRoutes(services),
    ...recordsRoutes(services),
    ...referralRoutes(services),
    ...kpiRoutes(services),
    ...disclosureRoutes(services),
    ...chartRoutes(services),
  ];
}

import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { followUpRoutes } from '../followups/followUpRoutes.js';
import { gfeRoutes } from '../gfe/gfeRoutes.js';
import { notesRoutes } from '../notes/notesRoutes.js';

/** Every clinical-records route (notes, GFE, follow-ups, photos, patient views, KPIs, disclosure). */
export function clinicalRoutes(services: ApiServices): RouteSpec[] {
  return [...notesRoutes(services), ...gfeRoutes(services), ...followUpRoutes(services)];
}

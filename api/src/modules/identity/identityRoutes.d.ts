import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
/**
 * Sign-in, MFA enrolment, token refresh/logout, profile, user administration, patient
 * self-registration and the public signing key set.
 */
export declare function identityRoutes(services: ApiServices): RouteSpec[];

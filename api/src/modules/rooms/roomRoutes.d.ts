import type { Router } from 'express';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
/** Room tokens for the SFU and TURN credentials for the browser. */
export declare function roomRoutes({ dataSource, tokens, config }: ApiServices): RouteSpec[];
/** Internal endpoints the SFU calls; the paths its ApiGateway uses (sfu/src/api/apiGateway.ts). */
export declare function sfuServiceRoutes({ dataSource }: ApiServices): RouteSpec[];
/**
 * The SFU-only router, mounted apart from the user-facing routes: every request must carry
 * the SFU's service token. These routes are not part of the public API document.
 */
export declare function sfuServiceRouter(services: ApiServices): Promise<Router>;

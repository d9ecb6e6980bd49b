import type { RequestHandler } from 'express';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
/** Where photos are uploaded; app.ts parses raw image bodies on this path only. */
export declare const PHOTO_UPLOAD_PATH = "/v1/appointments/:appointmentId/photos";
/**
 * Parses raw JPEG/PNG request bodies up to PHOTO_MAX_BYTES. Mounted on PHOTO_UPLOAD_PATH
 * only: every other route keeps the small JSON body limit. The declared type only selects
 * this parser; the stored type comes from the bytes' signature (photoFormat.ts).
 */
export declare function photoBodyParser(): RequestHandler;
/** Follow-ups after treatment: scheduling, encrypted photos, symptom questionnaires. */
export declare function followUpRoutes(services: ApiServices): RouteSpec[];

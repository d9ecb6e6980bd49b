import { Readable } from 'node:stream';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import type { PhotoContentType } from './photoFormat.js';
export declare const PHOTO_PHASES: readonly ["before", "after", "follow_up"];
export type PhotoPhase = (typeof PHOTO_PHASES)[number];
export interface PhotoMeta {
    id: string;
    appointmentId: string;
    phase: PhotoPhase;
    contentType: PhotoContentType;
    byteSize: number;
    createdAt: string;
}
/** A visit's photos, for side-by-side (before/after) comparison. */
export interface VisitPhotos {
    appointmentId: string;
    kind: string;
    startsAt: string;
    photos: PhotoMeta[];
}
/**
 * Stores a photo of a visit encrypted under its own data key. The bytes must really be a
 * JPEG or PNG (signature check): the declared type is not trusted. Uploaded by the
 * visit's patient (follow-up room) or a provider.
 */
export declare function uploadPhoto(deps: ClinicalDeps, context: RequestContext, input: {
    appointmentId: string;
    phase: PhotoPhase;
    bytes: Buffer | undefined;
}): Promise<PhotoMeta>;
export interface PhotoDownload {
    contentType: PhotoContentType;
    bytes: Buffer;
}
/** Decrypts one photo for its patient or a provider (audited `photo.read`). */
export declare function readPhoto(deps: ClinicalDeps, context: RequestContext, input: {
    photoId: string;
}): Promise<PhotoDownload>;
/** The download response: bytes streamed with their sniffed type, never rendered as a page. */
export declare function photoResponse(photo: PhotoDownload): {
    stream: Readable;
    headers: Record<string, string>;
};
/** Lists a patient's photos grouped by visit, oldest visit first (audited `photo.list`). */
export declare function listPatientPhotos(deps: ClinicalDeps, context: RequestContext, input: {
    patientId: string;
}): Promise<VisitPhotos[]>;

import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createDataKey, loadDataKey } from '../../crypto/dataKeys.js';
import { open, seal } from '../../crypto/envelope.js';
import type { RecordBinding } from '../../crypto/envelope.js';
import { AppError, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { isProvider, loadAppointment, requireNotCancelled, requirePatientInPractice } from '../records/clinicalAccess.js';
import type { PhotoContentType } from './photoFormat.js';
import { sniffPhotoType } from './photoFormat.js';
import { auditedAccess, callerOf } from '../../kernel/index.js';

export const PHOTO_PHASES = ['before', 'after', 'follow_up'] as const;
export type PhotoPhase = (typeof PHOTO_PHASES)[number];

const PHOTO_PURPOSE = 'clinical_photo';

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

function photoBinding(practiceId: string, photoId: string): RecordBinding {
  return { purpose: PHOTO_PURPOSE, practiceId, recordId: photoId, version: 0 };
}

/**
 * Stores a photo of a visit encrypted under its own data key. The bytes must really be a
 * JPEG or PNG (signature check): the declared type is not trusted. Uploaded by the
 * visit's patient (follow-up room) or a provider.
 */
export async function uploadPhoto(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { appointmentId: string; phase: PhotoPhase; bytes: Buffer | undefined },
): Promise<PhotoMeta> {
  const caller = callerOf(context);
  if (caller.role !== 'patient' && !isProvider(caller.role)) {
    throw forbidden();
  }
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'photo.write',
      entityType: 'appointment',
      entityId: input.appointmentId,
      createdEntityType: 'clinical_photo',
      entityIdOf: (photo) => photo.id,
      // Who and where first: an id of another patient or tenant is 404 whatever the body.
      locatePatient: async (tx) => (await loadAppointment(tx, input.appointmentId)).patientId,
      careTeam: true,
      notFoundCode: 'appointment_not_found',
    },
    async (manager) => {
      const appointment = await loadAppointment(manager, input.appointmentId);
      requireNotCancelled(appointment);
      if (input.bytes === undefined || input.bytes.length === 0) {
        throw new AppError(400, 'photo_missing', 'Send the image bytes with Content-Type image/jpeg or image/png');
      }
      const contentType = sniffPhotoType(input.bytes);
      if (contentType === null) {
        throw new AppError(415, 'unsupported_image', 'Photos must be JPEG or PNG images');
      }
      const id = randomUUID();
      const dataKey = await createDataKey(manager, deps.keyRing, caller.practiceId);
      const sealed = seal(dataKey.key, input.bytes, photoBinding(caller.practiceId, id));
      const rows = await manager.query<{ created_at: Date }[]>(
        `INSERT INTO clinical_photos (id, practice_id, patient_id, appointment_id, phase, content_type, byte_size,
           data_key_id, iv, ciphertext, auth_tag, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING created_at`,
        [
          id,
          caller.practiceId,
          appointment.patientId,
          appointment.id,
          input.phase,
          contentType,
          input.bytes.length,
          dataKey.id,
          sealed.iv,
          sealed.ciphertext,
          sealed.authTag,
          caller.userId,
        ],
      );
      return {
        id,
        appointmentId: appointment.id,
        phase: input.phase,
        contentType,
        byteSize: input.bytes.length,
        createdAt: (rows[0]?.created_at ?? new Date()).toISOString(),
      };
    },
  );
}

export interface PhotoDownload {
  contentType: PhotoContentType;
  bytes: Buffer;
}

/** Decrypts one photo for its patient or a provider (audited `photo.read`). */
export async function readPhoto(deps: ClinicalDeps, context: RequestContext, input: { photoId: string }): Promise<PhotoDownload> {
  const caller = callerOf(context);
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'photo.read',
      entityType: 'clinical_photo',
      entityId: input.photoId,
      locatePatient: async (tx) => {
        const rows = await tx.query<{ patient_id: string }[]>(`SELECT patient_id FROM clinical_photos WHERE id = $1`, [input.photoId]);
        const row = rows[0];
        if (row === undefined) {
          throw notFound('photo_not_found', 'No such photo');
        }
        return row.patient_id;
      },
      careTeam: true,
      notFoundCode: 'photo_not_found',
    },
    async (manager) => {
      const rows = await manager.query<
        { patient_id: string; content_type: PhotoContentType; data_key_id: string; iv: Buffer; ciphertext: Buffer; auth_tag: Buffer }[]
      >(`SELECT patient_id, content_type, data_key_id, iv, ciphertext, auth_tag FROM clinical_photos WHERE id = $1`, [
        input.photoId,
      ]);
      const row = rows[0];
      if (row === undefined) {
        throw notFound('photo_not_found', 'No such photo');
      }
      const dataKey = await loadDataKey(manager, deps.keyRing, row.data_key_id);
      const bytes = open(
        dataKey,
        { iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag },
        photoBinding(caller.practiceId, input.photoId),
      );
      return { contentType: row.content_type, bytes };
    },
  );
}

/** The download response: bytes streamed with their sniffed type, never rendered as a page. */
export function photoResponse(photo: PhotoDownload): { stream: Readable; headers: Record<string, string> } {
  return {
    stream: Readable.from([photo.bytes]),
    headers: {
      'content-type': photo.contentType,
      'content-length': String(photo.bytes.length),
      'content-disposition': 'inline',
    },
  };
}

/** Lists a patient's photos grouped by visit, oldest visit first (audited `photo.list`). */
export async function listPatientPhotos(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string },
): Promise<VisitPhotos[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'photo.list',
      entityType: 'patient',
      entityId: input.patientId,
      locatePatient: async (tx) => {
        await requirePatientInPractice(tx, input.patientId);
        return input.patientId;
      },
      careTeam: true,
    },
    async (manager) => {
      const rows = await manager.query<
        {
          id: string;
          appointment_id: string;
          kind: string;
          starts_at: Date;
          phase: PhotoPhase;
          content_type: PhotoContentType;
          byte_size: number;
          created_at: Date;
        }[]
      >(
        `SELECT p.id, p.appointment_id, a.kind, a.starts_at, p.phase, p.content_type, p.byte_size, p.created_at
         FROM clinical_photos p JOIN appointments a ON a.practice_id = p.practice_id AND a.id = p.appointment_id
         WHERE p.patient_id = $1 ORDER BY a.starts_at, p.created_at, p.id`,
        [input.patientId],
      );
      const visits = new Map<string, VisitPhotos>();
      for (const row of rows) {
        let visit = visits.get(row.appointment_id);
        if (visit === undefined) {
          visit = { appointmentId: row.appointment_id, kind: row.kind, startsAt: row.starts_at.toISOString(), photos: [] };
          visits.set(row.appointment_id, visit);
        }
        visit.photos.push({
          id: row.id,
          appointmentId: row.appointment_id,
          phase: row.phase,
          contentType: row.content_type,
          byteSize: row.byte_size,
          createdAt: row.created_at.toISOString(),
        });
      }
      return [...visits.values()];
    },
  );
}

import { PROVIDER_ROLES } from '@medspa/shared-types';
import express from 'express';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { clinicalDepsOf } from '../records/clinicalAccess.js';
import { usStateSchema } from '../licensure/usStates.js';
import { timeZoneSchema } from '../licensure/providerService.js';
import { BOOKING_STAFF } from '../scheduling/appointments.js';
import { listFollowUps, scheduleFollowUp } from './followUpService.js';
import { PHOTO_CONTENT_TYPES, PHOTO_MAX_BYTES } from './photoFormat.js';
import { PHOTO_PHASES, listPatientPhotos, photoResponse, readPhoto, uploadPhoto } from './photoService.js';
import { readQuestionnaire, submitQuestionnaire, symptomAnswersSchema } from './questionnaireService.js';

/** Where photos are uploaded; app.ts parses raw image bodies on this path only. */
export const PHOTO_UPLOAD_PATH = '/v1/appointments/:appointmentId/photos';

/**
 * Parses raw JPEG/PNG request bodies up to PHOTO_MAX_BYTES. Mounted on PHOTO_UPLOAD_PATH
 * only: every other route keeps the small JSON body limit. The declared type only selects
 * this parser; the stored type comes from the bytes' signature (photoFormat.ts).
 */
export function photoBodyParser(): RequestHandler {
  return express.raw({ type: [...PHOTO_CONTENT_TYPES], limit: PHOTO_MAX_BYTES });
}

const appointmentParams = z.strictObject({ appointmentId: z.uuid() });

/** A follow-up booking: which visit type, when, and where the patient will be. */
export const followUpBookingSchema = z.strictObject({
  appointmentTypeId: z.uuid(),
  providerId: z.uuid().optional(),
  startsAt: z.iso.datetime({ offset: true }),
  patientState: usStateSchema,
  patientTimeZone: timeZoneSchema,
});

/** Follow-ups after treatment: scheduling, encrypted photos, symptom questionnaires. */
export function followUpRoutes(services: ApiServices): RouteSpec[] {
  const deps = clinicalDepsOf(services);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/follow-ups',
      access: [...new Set([...BOOKING_STAFF, 'patient' as const])],
      summary: 'Book a follow-up visit after a treatment',
      params: appointmentParams,
      body: followUpBookingSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await scheduleFollowUp(deps, context, { treatmentAppointmentId: params.appointmentId, ...body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/appointments/:appointmentId/follow-ups',
      access: [...new Set([...BOOKING_STAFF, 'patient' as const])],
      summary: 'List the follow-ups booked after a treatment',
      params: appointmentParams,
      handle: async ({ params, context }) => ({
        body: { followUps: await listFollowUps(deps, context, { treatmentAppointmentId: params.appointmentId }) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: PHOTO_UPLOAD_PATH,
      access: [...PROVIDER_ROLES, 'patient'],
      summary: 'Upload a visit photo (raw JPEG or PNG body), stored encrypted',
      params: appointmentParams,
      query: z.strictObject({ phase: z.enum(PHOTO_PHASES) }),
      // Raw bytes from photoBodyParser; no body at all is reported after the access checks.
      body: z.custom<Buffer | undefined>((value) => value === undefined || Buffer.isBuffer(value), {
        message: 'send the image bytes with Content-Type image/jpeg or image/png',
      }),
      handle: async ({ params, query, body, context }) => ({
        status: 201,
        body: await uploadPhoto(deps, context, { appointmentId: params.appointmentId, phase: query.phase, bytes: body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/photos/:photoId',
      access: [...PROVIDER_ROLES, 'patient'],
      summary: 'Download a decrypted visit photo',
      params: z.strictObject({ photoId: z.uuid() }),
      handle: async ({ params, context }) => photoResponse(await readPhoto(deps, context, params)),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/photos',
      access: [...PROVIDER_ROLES, 'patient'],
      summary: "A patient's photos grouped by visit, for before/after comparison",
      params: z.strictObject({ patientId: z.uuid() }),
      handle: async ({ params, context }) => ({ body: { visits: await listPatientPhotos(deps, context, params) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/questionnaire',
      access: ['patient'],
      summary: 'Answer the symptom questionnaire of a follow-up visit',
      params: appointmentParams,
      body: symptomAnswersSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await submitQuestionnaire(deps, context, { appointmentId: params.appointmentId, answers: body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/appointments/:appointmentId/questionnaire',
      access: [...PROVIDER_ROLES, 'patient'],
      summary: "Read a follow-up visit's symptom answers",
      params: appointmentParams,
      handle: async ({ params, context }) => ({ body: await readQuestionnaire(deps, context, params) }),
    }),
  ];
}

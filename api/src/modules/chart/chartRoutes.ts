import { PROVIDER_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { usStateSchema } from '../licensure/usStates.js';
import { clinicalDepsOf } from '../records/clinicalAccess.js';
import { followUpBookingSchema } from '../followups/followUpRoutes.js';
import { intakeContentSchema, listIntakeVersions, readIntake, saveIntake } from './intakeService.js';
import {
  adverseEventSchema,
  closeAdverseEvent,
  decideReview,
  fileAdverseEvent,
  listAdverseEvents,
  listReviewQueue,
  readReviewSettings,
  reviewDecisionSchema,
  saveReviewSettings,
} from './reviewService.js';
import { readTimeline } from './timelineService.js';
import {
  bookFollowUpFromTreatment,
  listPatientTreatments,
  readTreatment,
  readVisitTreatment,
  recordTreatment,
  treatmentContentSchema,
} from './treatmentService.js';
import { DEFAULT_RULE_KEY, readValidityRules, removeValidityRule, saveValidityRule, validityBodySchema } from './validityService.js';

const patientParams = z.strictObject({ patientId: z.uuid() });
const version = z.coerce.number().pipe(z.int().min(1).max(1_000_000));
const ruleState = z.union([z.literal(DEFAULT_RULE_KEY), usStateSchema]);

/** The chart: intake, treatments with face maps, exam validity, timeline, review, adverse events. */
export function chartRoutes(services: ApiServices): RouteSpec[] {
  const deps = clinicalDepsOf(services);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/intake',
      access: [...PROVIDER_ROLES, 'patient'],
      summary: "The patient's health intake (current version, or ?version=N); null when not filled in",
      params: patientParams,
      query: z.strictObject({ version: version.optional() }),
      handle: async ({ params, query, context }) => ({
        body: { intake: await readIntake(deps, context, { patientId: params.patientId, ...(query.version === undefined ? {} : { version: query.version }) }) },
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/patients/:patientId/intake',
      access: ['patient'],
      summary: 'Save my health intake before a Good Faith Exam (each save is a new encrypted version)',
      params: patientParams,
      body: z.strictObject({ expectedVersion: z.int().min(0).max(1_000_000), content: intakeContentSchema }),
      handle: async ({ params, body, context }) => ({ body: await saveIntake(deps, context, { patientId: params.patientId, ...body }) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/intake/versions',
      access: [...PROVIDER_ROLES, 'patient'],
      summary: 'Versions of the health intake (no content)',
      params: patientParams,
      handle: async ({ params, context }) => ({ body: { versions: await listIntakeVersions(deps, context, params) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/treatment',
      access: PROVIDER_ROLES,
      summary: 'Record an in-person treatment (product, lot, face-map sites); needs a current Good Faith Exam clearance',
      params: z.strictObject({ appointmentId: z.uuid() }),
      body: treatmentContentSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await recordTreatment(deps, context, { appointmentId: params.appointmentId, content: body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/appointments/:appointmentId/treatment',
      access: PROVIDER_ROLES,
      summary: 'The treatment recorded on a visit, or null',
      params: z.strictObject({ appointmentId: z.uuid() }),
      handle: async ({ params, context }) => ({ body: { treatment: await readVisitTreatment(deps, context, params) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/treatments/:treatmentId',
      access: PROVIDER_ROLES,
      summary: 'One treatment record',
      params: z.strictObject({ treatmentId: z.uuid() }),
      handle: async ({ params, context }) => ({ body: await readTreatment(deps, context, params) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/treatments',
      access: PROVIDER_ROLES,
      summary: "A patient's treatment records, newest first",
      params: patientParams,
      handle: async ({ params, context }) => ({ body: { treatments: await listPatientTreatments(deps, context, params) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/treatments/:treatmentId/follow-ups',
      access: PROVIDER_ROLES,
      summary: 'Book the virtual follow-up of a recorded treatment',
      params: z.strictObject({ treatmentId: z.uuid() }),
      body: followUpBookingSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await bookFollowUpFromTreatment(deps, context, { treatmentId: params.treatmentId, ...body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/gfe-validity',
      access: [...PROVIDER_ROLES, 'front_desk', 'admin'],
      summary: 'How long a Good Faith Exam clearance holds, per state (practice default first)',
      handle: async ({ context }) => ({ body: { rules: await readValidityRules(deps, context) } }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/gfe-validity/:state',
      access: ['medical_director'],
      summary: 'Set Good Faith Exam validity for a state, or `default` for the practice',
      params: z.strictObject({ state: ruleState }),
      body: validityBodySchema,
      handle: async ({ params, body, context }) => ({ body: { rules: await saveValidityRule(deps, context, { state: params.state, rule: body }) } }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/gfe-validity/:state',
      access: ['medical_director'],
      summary: "Remove a state's own Good Faith Exam validity (the practice default applies)",
      params: z.strictObject({ state: ruleState }),
      handle: async ({ params, context }) => ({ body: { rules: await removeValidityRule(deps, context, params) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/timeline',
      access: PROVIDER_ROLES,
      summary: "A patient's chart: visits, exams per service, notes, photos, answers, treatments",
      params: patientParams,
      handle: async ({ params, context }) => ({ body: await readTimeline(deps, context, params) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/chart-review/settings',
      access: PROVIDER_ROLES,
      summary: 'Share of signed charts sampled for medical director review',
      handle: async ({ context }) => ({ body: await readReviewSettings(deps, context) }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/chart-review/settings',
      access: ['medical_director'],
      summary: 'Set the share of signed charts sampled for review',
      body: z.strictObject({ samplePercent: z.int().min(0).max(100) }),
      handle: async ({ body, context }) => ({ body: await saveReviewSettings(deps, context, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/chart-review/queue',
      access: PROVIDER_ROLES,
      summary: 'Sampled signed charts due for review (a director: all; an injector: their own)',
      handle: async ({ context }) => ({ body: { reviews: await listReviewQueue(deps, context) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/chart-reviews/:reviewId/decision',
      access: ['medical_director'],
      summary: 'Co-sign a sampled chart, or return it with comments',
      params: z.strictObject({ reviewId: z.uuid() }),
      body: reviewDecisionSchema,
      handle: async ({ params, body, context }) => ({ body: await decideReview(deps, context, { reviewId: params.reviewId, ...body }) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/patients/:patientId/adverse-events',
      access: PROVIDER_ROLES,
      summary: 'File an adverse event report (what, when, severity, follow-up)',
      params: patientParams,
      body: adverseEventSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await fileAdverseEvent(deps, context, { patientId: params.patientId, ...body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/adverse-events',
      access: PROVIDER_ROLES,
      summary: 'Adverse event reports (a director: all; an injector: those they filed), open first',
      query: z.strictObject({ patientId: z.uuid().optional() }),
      handle: async ({ query, context }) => ({
        body: { events: await listAdverseEvents(deps, context, query.patientId === undefined ? {} : { patientId: query.patientId }) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/adverse-events/:eventId/close',
      access: ['medical_director'],
      summary: 'Close an adverse event report with its resolution',
      params: z.strictObject({ eventId: z.uuid() }),
      body: z.strictObject({ resolution: z.string().trim().min(1).max(4_000) }),
      handle: async ({ params, body, context }) => ({ body: await closeAdverseEvent(deps, context, { eventId: params.eventId, resolution: body.resolution }) }),
    }),
  ];
}

import { PROVIDER_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { clinicalDepsOf } from '../records/clinicalAccess.js';
import { noteBodySchema } from './noteContent.js';
import {
  addAddendum,
  createNote,
  getNote,
  getNoteVersion,
  getOwnSignedNote,
  listNoteVersions,
  listPatientNotes,
  saveDraft,
  signNote,
} from './notesService.js';

const noteParams = z.strictObject({ noteId: z.uuid() });
const expectedVersion = z.int().min(1).max(1_000_000);

/** Consult notes: SOAP and GFE templates, drafts with versions, sign-and-lock, addenda. */
export function notesRoutes(services: ApiServices): RouteSpec[] {
  const deps = clinicalDepsOf(services);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/note',
      access: PROVIDER_ROLES,
      summary: 'Start the encrypted consult note (SOAP or GFE) of a visit',
      params: z.strictObject({ appointmentId: z.uuid() }),
      body: noteBodySchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await createNote(deps, context, { appointmentId: params.appointmentId, body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/notes/:noteId',
      access: PROVIDER_ROLES,
      summary: 'Read a note (current version and addenda)',
      params: noteParams,
      handle: async ({ params, context }) => ({ body: await getNote(deps, context, params) }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/notes/:noteId',
      access: PROVIDER_ROLES,
      summary: 'Save a draft note as a new version',
      params: noteParams,
      body: z.strictObject({ expectedVersion, content: z.record(z.string(), z.unknown()) }),
      handle: async ({ params, body, context }) => ({
        body: await saveDraft(deps, context, { noteId: params.noteId, ...body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/notes/:noteId/versions',
      access: PROVIDER_ROLES,
      summary: 'List the versions of a note',
      params: noteParams,
      handle: async ({ params, context }) => ({ body: { versions: await listNoteVersions(deps, context, params) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/notes/:noteId/versions/:version',
      access: PROVIDER_ROLES,
      summary: 'Read one version of a note',
      params: z.strictObject({ noteId: z.uuid(), version: z.coerce.number().pipe(expectedVersion) }),
      handle: async ({ params, context }) => ({ body: await getNoteVersion(deps, context, params) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/notes/:noteId/sign',
      access: PROVIDER_ROLES,
      summary: 'Sign and lock a note at the reviewed version',
      params: noteParams,
      body: z.strictObject({ expectedVersion }),
      handle: async ({ params, body, context }) => ({
        body: await signNote(deps, context, { noteId: params.noteId, expectedVersion: body.expectedVersion }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/notes/:noteId/addenda',
      access: PROVIDER_ROLES,
      summary: 'Add a signed addendum to a signed note',
      params: noteParams,
      body: z.strictObject({ text: z.string().min(1).max(10_000) }),
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await addAddendum(deps, context, { noteId: params.noteId, text: body.text }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/notes/:noteId',
      access: ['patient'],
      summary: 'Read one of my signed visit notes in full (right of access)',
      params: noteParams,
      handle: async ({ params, context }) => ({ body: await getOwnSignedNote(deps, context, params) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/notes',
      access: PROVIDER_ROLES,
      summary: "List a patient's notes (no content)",
      params: z.strictObject({ patientId: z.uuid() }),
      handle: async ({ params, context }) => ({ body: { notes: await listPatientNotes(deps, context, params) } }),
    }),
  ];
}

import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { inCallerPractice } from '../licensure/access.js';
import {
  CONSENT_AUTHORS,
  CONSENT_STATUS_READERS,
  consentDraftSchema,
  consentDraftUpdateSchema,
  consentKindSchema,
  consentStatus,
  createConsentDraft,
  currentConsentDocument,
  listConsentDocuments,
  publishConsentDocument,
  signatureInputSchema,
  signConsent,
  updateConsentDraft,
} from './consentService.js';

const documentParams = z.strictObject({ documentId: z.uuid() });

/** Versioned consent documents and patients' e-signatures. */
export function consentRoutes({ dataSource }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/consent-documents',
      access: CONSENT_AUTHORS,
      summary: 'Every version of the practice consent documents, drafts included',
      query: z.strictObject({ kind: consentKindSchema.optional() }),
      handle: async ({ query, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => listConsentDocuments(manager, query.kind)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/consent-documents',
      access: CONSENT_AUTHORS,
      summary: 'Create the next version of a consent document as a draft',
      body: consentDraftSchema,
      handle: async ({ body, context }) => ({
        status: 201,
        body: await inCallerPractice(dataSource, context, (manager) => createConsentDraft(manager, context, body)),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/consent-documents/:documentId',
      access: CONSENT_AUTHORS,
      summary: 'Edit a draft (published versions are immutable)',
      params: documentParams,
      body: consentDraftUpdateSchema,
      handle: async ({ params, body, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => updateConsentDraft(manager, params.documentId, body)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/consent-documents/:documentId/publish',
      access: CONSENT_AUTHORS,
      summary: 'Publish a draft: patients must sign this version from now on',
      params: documentParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => publishConsentDocument(manager, context, params.documentId)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/consent-documents/current/:kind',
      access: 'authenticated',
      summary: 'The latest published version of a consent kind (what a patient is asked to sign)',
      params: z.strictObject({ kind: consentKindSchema }),
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => currentConsentDocument(manager, params.kind)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/consent-documents/:documentId/signatures',
      access: ['patient'],
      summary: 'E-sign a published consent version (typed name; time, IP and user agent are recorded)',
      params: documentParams,
      body: signatureInputSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await inCallerPractice(dataSource, context, (manager) => signConsent(manager, context, params.documentId, body)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/consents',
      access: ['patient', ...CONSENT_STATUS_READERS],
      summary: 'A patient’s consent status per kind (current or not, versions signed)',
      params: z.strictObject({ patientId: z.uuid() }),
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => consentStatus(manager, context, params.patientId)),
      }),
    }),
  ];
}

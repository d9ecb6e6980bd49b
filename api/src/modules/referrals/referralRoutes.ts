import { PROVIDER_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { clinicalDepsOf } from '../records/clinicalAccess.js';
import {
  DISCLOSURE_READERS,
  accountingOfDisclosures,
  decideReferral,
  listOwnReferrals,
  referralInputSchema,
  requestReferral,
} from './referralService.js';

/** Referrals to partner practices (patient-authorised disclosures) and their accounting. */
export function referralRoutes(services: ApiServices): RouteSpec[] {
  const deps = clinicalDepsOf(services);
  const patientParams = z.strictObject({ patientId: z.uuid() });
  return [
    defineRoute({
      method: 'post',
      path: '/v1/patients/:patientId/referrals',
      access: PROVIDER_ROLES,
      summary: 'Propose a referral to a partner practice (awaits the patient’s consent)',
      params: patientParams,
      body: referralInputSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await requestReferral(deps, context, { patientId: params.patientId, referral: body }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/referrals',
      access: ['patient'],
      summary: 'My referrals, including those awaiting my consent',
      handle: async ({ context }) => ({ body: { referrals: await listOwnReferrals(deps, context) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/referrals/:referralId/decision',
      access: ['patient'],
      summary: 'Authorise or decline a referral (authorising records the disclosure)',
      params: z.strictObject({ referralId: z.uuid() }),
      body: z.strictObject({ decision: z.enum(['authorize', 'decline']) }),
      handle: async ({ params, body, context }) => ({
        body: await decideReferral(deps, context, { referralId: params.referralId, decision: body.decision }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/patients/:patientId/disclosures',
      access: [...DISCLOSURE_READERS, 'patient'],
      summary: 'Accounting of disclosures for a patient (45 CFR 164.528)',
      params: patientParams,
      handle: async ({ params, context }) => ({ body: { disclosures: await accountingOfDisclosures(deps, context, params) } }),
    }),
  ];
}

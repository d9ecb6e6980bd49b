import { PROVIDER_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { inCallerPractice } from './access.js';
import {
  addLicense,
  getProviderProfile,
  LICENSE_ADMINS,
  licenseInputSchema,
  listLicenses,
  listProviderProfiles,
  PROFILE_ADMINS,
  providerProfileInputSchema,
  revokeLicense,
  upsertProviderProfile,
} from './providerService.js';

const providerParams = z.strictObject({ providerId: z.uuid() });
const licenseParams = z.strictObject({ providerId: z.uuid(), licenseId: z.uuid() });

/** Staff who see license details (numbers, dates); patients see only the provider list. */
const LICENSE_READERS = ['admin', 'medical_director', 'front_desk', 'compliance_officer', 'injector'] as const;

/** Provider profiles (credential, specialties, time zone) and state licenses. */
export function licensureRoutes({ dataSource }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/providers',
      access: 'authenticated',
      summary: 'Providers of the practice with credential, specialties and time zone',
      handle: async ({ context }) => ({ body: await inCallerPractice(dataSource, context, (manager) => listProviderProfiles(manager)) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/providers/:providerId',
      access: 'authenticated',
      summary: 'One provider profile',
      params: providerParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => getProviderProfile(manager, params.providerId)),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/providers/:providerId/profile',
      access: [...PROFILE_ADMINS, ...PROVIDER_ROLES],
      summary: 'Create or replace a provider profile (admins, or the provider themself)',
      params: providerParams,
      body: providerProfileInputSchema,
      handle: async ({ params, body, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => upsertProviderProfile(manager, context, params.providerId, body)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/providers/:providerId/licenses',
      access: LICENSE_READERS,
      summary: 'State licenses of a provider with validity dates',
      params: providerParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => listLicenses(manager, params.providerId)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/providers/:providerId/licenses',
      access: LICENSE_ADMINS,
      summary: 'Record a state license (state, number, valid from, expires on)',
      params: providerParams,
      body: licenseInputSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await inCallerPractice(dataSource, context, (manager) => addLicense(manager, context, params.providerId, body)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/providers/:providerId/licenses/:licenseId/revoke',
      access: LICENSE_ADMINS,
      summary: 'Revoke a license; it stays on record but no longer permits bookings or admission',
      params: licenseParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => revokeLicense(manager, context, params.providerId, params.licenseId)),
      }),
    }),
  ];
}

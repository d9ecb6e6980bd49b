import { PROVIDER_ROLES } from '@medspa/shared-types';
import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { inCallerPractice } from '../licensure/access.js';
import {
  appointmentTypeInputSchema,
  createAppointmentType,
  listAppointmentTypes,
  setAppointmentTypeActive,
  TYPE_ADMINS,
} from './appointmentTypes.js';
import {
  addTimeOff,
  AVAILABILITY_ADMINS,
  listProviderTimeOff,
  listWeeklyAvailability,
  removeTimeOff,
  replaceWeeklyAvailability,
  timeOffSchema,
  weeklyAvailabilitySchema,
} from './availability.js';
import { instantSchema } from './inputSchemas.js';
import { searchSlots, slotSearchSchema } from './slotSearch.js';

const providerParams = z.strictObject({ providerId: z.uuid() });
const typeParams = z.strictObject({ typeId: z.uuid() });
const timeOffParams = z.strictObject({ providerId: z.uuid(), timeOffId: z.uuid() });
const typeListQuery = z.strictObject({ includeInactive: z.stringbool().default(false) });
const timeOffQuery = z
  .strictObject({ from: instantSchema, to: instantSchema })
  .refine((query) => Date.parse(query.to) > Date.parse(query.from), { message: 'to must be after from', path: ['to'] });

const HOURS_MANAGERS = [...AVAILABILITY_ADMINS, ...PROVIDER_ROLES];

/** Appointment types, weekly working hours, time off and slot search. */
export function schedulingRoutes({ dataSource }: ApiServices): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/appointment-types',
      access: 'authenticated',
      summary: 'Appointment types of the practice (consult, GFE, follow-up, treatment)',
      query: typeListQuery,
      handle: async ({ query, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => listAppointmentTypes(manager, query.includeInactive)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointment-types',
      access: TYPE_ADMINS,
      summary: 'Define an appointment type with duration and buffers',
      body: appointmentTypeInputSchema,
      handle: async ({ body, context }) => ({
        status: 201,
        body: await inCallerPractice(dataSource, context, (manager) => createAppointmentType(manager, context, body)),
      }),
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/appointment-types/:typeId',
      access: TYPE_ADMINS,
      summary: 'Activate or retire an appointment type',
      params: typeParams,
      body: z.strictObject({ active: z.boolean() }),
      handle: async ({ params, body, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => setAppointmentTypeActive(manager, params.typeId, body.active)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/providers/:providerId/availability',
      access: 'authenticated',
      summary: 'Weekly working hours of a provider (wall-clock times in an IANA zone)',
      params: providerParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => listWeeklyAvailability(manager, params.providerId)),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/providers/:providerId/availability',
      access: HOURS_MANAGERS,
      summary: 'Replace the weekly working hours of a provider',
      params: providerParams,
      body: weeklyAvailabilitySchema,
      handle: async ({ params, body, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) =>
          replaceWeeklyAvailability(manager, context, params.providerId, body),
        ),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/providers/:providerId/time-off',
      access: HOURS_MANAGERS,
      summary: 'Time-off periods of a provider overlapping a range',
      params: providerParams,
      query: timeOffQuery,
      handle: async ({ params, query, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) =>
          listProviderTimeOff(manager, params.providerId, new Date(query.from), new Date(query.to)),
        ),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/providers/:providerId/time-off',
      access: HOURS_MANAGERS,
      summary: 'Block a period in which the provider takes no appointments',
      params: providerParams,
      body: timeOffSchema,
      handle: async ({ params, body, context }) => ({
        status: 201,
        body: await inCallerPractice(dataSource, context, (manager) => addTimeOff(manager, context, params.providerId, body)),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/providers/:providerId/time-off/:timeOffId',
      access: HOURS_MANAGERS,
      summary: 'Remove a time-off period',
      params: timeOffParams,
      handle: async ({ params, context }) => {
        await inCallerPractice(dataSource, context, (manager) => removeTimeOff(manager, context, params.providerId, params.timeOffId));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/providers/:providerId/slots',
      access: 'authenticated',
      summary: 'Free slots for an appointment type, in the patient’s time zone and licensed for the patient’s state',
      params: providerParams,
      query: slotSearchSchema,
      handle: async ({ params, query, context }) => ({
        body: { slots: await inCallerPractice(dataSource, context, (manager) => searchSlots(manager, params.providerId, query)) },
      }),
    }),
  ];
}

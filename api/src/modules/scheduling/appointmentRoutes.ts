import { z } from 'zod';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { inCallerPractice } from '../licensure/access.js';
import {
  appointmentListSchema,
  BOOKING_STAFF,
  bookingInputSchema,
  checkInAppointment,
  checkInInputSchema,
  closeAppointment,
  getAppointment,
  listAppointments,
  rescheduleInputSchema,
} from './appointments.js';
import { bookWithNotice, cancelWithNotice, rescheduleWithNotice } from './bookingNotices.js';

const appointmentParams = z.strictObject({ appointmentId: z.uuid() });

/** Everyone who takes part in or runs a schedule; compliance officers use the audit trail instead. */
const SCHEDULE_PARTIES = ['patient', ...BOOKING_STAFF] as const;
/** Who checks a patient in: the patient, or the front desk on the phone with them. */
const CHECK_IN_ROLES = ['patient', 'front_desk'] as const;
/** Who closes a visit: its provider, a medical director, or (no-shows) the front desk. */
const CLOSE_ROLES = ['injector', 'medical_director', 'front_desk'] as const;

/** Book, list, read, reschedule, cancel and check in to appointments. */
export function appointmentRoutes(services: ApiServices): RouteSpec[] {
  const { dataSource } = services;
  return [
    defineRoute({
      method: 'post',
      path: '/v1/appointments',
      access: SCHEDULE_PARTIES,
      summary: 'Book an appointment; 409 slot_taken if the time was taken, 422 provider_not_licensed',
      body: bookingInputSchema,
      handle: async ({ body, context }) => ({ status: 201, body: await bookWithNotice(services, context, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/appointments',
      access: SCHEDULE_PARTIES,
      summary: 'Appointments starting in a range (own visits, own schedule, or the practice for staff)',
      query: appointmentListSchema,
      handle: async ({ query, context }) => ({
        body: { appointments: await inCallerPractice(dataSource, context, (manager) => listAppointments(manager, context, query)) },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/appointments/:appointmentId',
      access: SCHEDULE_PARTIES,
      summary: 'One appointment with its join link',
      params: appointmentParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => getAppointment(manager, context, params.appointmentId)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/reschedule',
      access: SCHEDULE_PARTIES,
      summary: 'Move a booked appointment to a new start (atomic; 409 slot_taken if taken)',
      params: appointmentParams,
      body: rescheduleInputSchema,
      handle: async ({ params, body, context }) => ({
        body: await rescheduleWithNotice(services, context, params.appointmentId, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/cancel',
      access: SCHEDULE_PARTIES,
      summary: 'Cancel an upcoming appointment and free its time',
      params: appointmentParams,
      handle: async ({ params, context }) => ({
        body: await cancelWithNotice(services, context, params.appointmentId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/check-in',
      access: CHECK_IN_ROLES,
      summary: 'Confirm the patient’s current location (state) for the visit',
      params: appointmentParams,
      body: checkInInputSchema,
      handle: async ({ params, body, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) =>
          checkInAppointment(manager, context, params.appointmentId, body),
        ),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/complete',
      access: CLOSE_ROLES,
      summary: 'Mark a started visit completed (its provider or a medical director)',
      params: appointmentParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => closeAppointment(manager, context, params.appointmentId, 'completed')),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/appointments/:appointmentId/no-show',
      access: CLOSE_ROLES,
      summary: 'Mark a started visit as a no-show',
      params: appointmentParams,
      handle: async ({ params, context }) => ({
        body: await inCallerPractice(dataSource, context, (manager) => closeAppointment(manager, context, params.appointmentId, 'no_show')),
      }),
    }),
  ];
}

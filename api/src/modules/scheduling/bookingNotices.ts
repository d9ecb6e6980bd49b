import type { RequestContext } from '../../http/requestContext.js';
import { callerOf } from '../../kernel/index.js';
import { inCallerPractice } from '../licensure/access.js';
import type { ApiServices } from '../../services.js';
import type { Appointment, BookingInput, RescheduleInput } from './appointments.js';
import { bookAppointment, cancelAppointment, rescheduleAppointment } from './appointments.js';

/**
 * Booking, moving and cancelling as a patient experiences them: the schedule change
 * commits first, then its email (and, for a booked time, its reminders) is queued.
 */
export async function bookWithNotice(services: ApiServices, context: RequestContext, input: BookingInput): Promise<Appointment> {
  const appointment = await bookAppointment(services.dataSource, context, input);
  await services.notices.afterChange(callerOf(context).practiceId, appointment.id, 'confirmation');
  return appointment;
}

/** Reschedules; the patient gets an updated invite (same UID, higher SEQUENCE) and new reminders. */
export async function rescheduleWithNotice(
  services: ApiServices,
  context: RequestContext,
  appointmentId: string,
  input: RescheduleInput,
): Promise<Appointment> {
  const appointment = await rescheduleAppointment(services.dataSource, context, appointmentId, input);
  await services.notices.afterChange(callerOf(context).practiceId, appointment.id, 'reschedule');
  return appointment;
}

/** Cancels; the patient gets a METHOD:CANCEL invite, and pending reminders find the visit cancelled. */
export async function cancelWithNotice(services: ApiServices, context: RequestContext, appointmentId: string): Promise<Appointment> {
  const appointment = await inCallerPractice(services.dataSource, context, (manager) => cancelAppointment(manager, context, appointmentId));
  await services.notices.afterChange(callerOf(context).practiceId, appointment.id, 'cancellation');
  return appointment;
}

import type { Role } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { badRequest, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { isProvider, loadAppointment, requireNotCancelled } from '../records/clinicalAccess.js';
import type { Appointment, BookingInput } from '../scheduling/appointments.js';
import { BOOKING_STAFF, bookAppointmentIn } from '../scheduling/appointments.js';
import type { AppointmentFacts } from '../records/clinicalAccess.js';
import { callerOf } from '../../kernel/index.js';

export interface ScheduleFollowUpInput {
  treatmentAppointmentId: string;
  appointmentTypeId: string;
  /** Defaults to the treating provider. */
  providerId?: string;
  startsAt: string;
  patientState: string;
  patientTimeZone: string;
}

export interface FollowUpView {
  followUpAppointmentId: string;
  treatmentAppointmentId: string;
  startsAt: string;
  status: string;
}

/**
 * Who may see or schedule follow-ups of a treatment: its patient, providers, and staff
 * who book. Another patient gets 404, as for the appointment itself.
 */
function requireTreatmentAccess(
  caller: { role: Role; userId: string },
  treatment: AppointmentFacts,
  staff: readonly Role[],
): void {
  if (caller.role === 'patient') {
    if (treatment.patientId === caller.userId) return;
    throw notFound('appointment_not_found', 'No such appointment');
  }
  if (isProvider(caller.role) || staff.includes(caller.role)) return;
  throw forbidden();
}

async function requireFollowUpType(manager: EntityManager, typeId: string): Promise<void> {
  const rows = await manager.query<{ kind: string }[]>(`SELECT kind FROM appointment_types WHERE id = $1`, [typeId]);
  // An unknown type is reported by the booking itself (404 from scheduling).
  if (rows[0] !== undefined && rows[0].kind !== 'follow_up') {
    throw badRequest('not_a_follow_up_type', 'Choose an appointment type of kind follow_up');
  }
}

/**
 * Books a follow-up after a treatment through scheduling's booking (same checks: hours,
 * license, no double-booking) and links it to the treatment, in one transaction.
 */
export async function scheduleFollowUp(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: ScheduleFollowUpInput,
): Promise<Appointment> {
  const caller = callerOf(context);
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    const treatment = await loadAppointment(manager, input.treatmentAppointmentId);
    requireTreatmentAccess(caller, treatment, BOOKING_STAFF);
    if (treatment.kind !== 'treatment') {
      // A Good Faith Exam clears a service; the follow-up belongs to the treatment that follows.
      throw badRequest(
        'not_a_treatment',
        'Follow-ups are booked from an in-person treatment: record the treatment, then book its follow-up from the treatment record',
      );
    }
    requireNotCancelled(treatment);
    if (new Date(input.startsAt).getTime() < treatment.endsAt.getTime()) {
      throw badRequest('follow_up_before_treatment', 'A follow-up starts after the treatment ends');
    }
    await requireFollowUpType(manager, input.appointmentTypeId);
    const booking: BookingInput = {
      appointmentTypeId: input.appointmentTypeId,
      providerId: input.providerId ?? treatment.providerId,
      patientId: treatment.patientId,
      startsAt: input.startsAt,
      patientState: input.patientState,
      patientTimeZone: input.patientTimeZone,
    };
    const appointment = await bookAppointmentIn(manager, context, booking);
    await manager.query(
      `INSERT INTO follow_ups (practice_id, follow_up_appointment_id, treatment_appointment_id, scheduled_by)
       VALUES ($1, $2, $3, $4)`,
      [caller.practiceId, appointment.id, treatment.id, caller.userId],
    );
    await recordAudit(manager, caller.practiceId, context, {
      action: 'followup.schedule',
      entityType: 'appointment',
      entityId: appointment.id,
      patientId: treatment.patientId,
    });
    return appointment;
  });
}

/** Lists the follow-ups booked after a treatment (audited as a read of the schedule). */
export async function listFollowUps(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: { treatmentAppointmentId: string },
): Promise<FollowUpView[]> {
  const caller = callerOf(context);
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    const treatment = await loadAppointment(manager, input.treatmentAppointmentId);
    requireTreatmentAccess(caller, treatment, BOOKING_STAFF);
    const rows = await manager.query<{ id: string; starts_at: Date; status: string }[]>(
      `SELECT a.id, a.starts_at, a.status FROM follow_ups f
       JOIN appointments a ON a.practice_id = f.practice_id AND a.id = f.follow_up_appointment_id
       WHERE f.treatment_appointment_id = $1 ORDER BY a.starts_at`,
      [treatment.id],
    );
    await recordAudit(manager, caller.practiceId, context, {
      action: 'appointment.list',
      entityType: 'appointment',
      entityId: treatment.id,
      patientId: treatment.patientId,
    });
    return rows.map((row) => ({
      followUpAppointmentId: row.id,
      treatmentAppointmentId: treatment.id,
      startsAt: row.starts_at.toISOString(),
      status: row.status,
    }));
  });
}


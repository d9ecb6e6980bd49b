import type { AuditAction, Role } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../errors.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import { callerOf, withRefusalAudit } from '../../kernel/index.js';
import { assertGfeClearance } from '../gfe/gfeService.js';
import { requireVerifiedEmail } from '../identity/patientRegistration.js';
import { isProviderRole } from '../licensure/access.js';
import { getProviderProfile, requireValidLicense } from '../licensure/providerService.js';
import { usStateSchema } from '../licensure/usStates.js';
import type { Appointment, AppointmentRow, AppointmentStatus, ScheduleWriteResult } from './appointmentStore.js';
import {
  ACTIVE_STATUSES,
  findAppointment,
  insertAppointment,
  isActivePatient,
  isActiveUser,
  listAppointmentRows,
  lockAppointment,
  markCancelled,
  markCheckedIn,
  moveAppointment,
  patientOfAppointment,
  scheduleWrite,
  setStatus,
  toAppointment,
  typeTimingOf,
  userNamesById,
} from './appointmentStore.js';
import type { AppointmentKind } from './appointmentTypes.js';
import { getBookableType } from './appointmentTypes.js';
import { isWithinWorkingHours } from './availability.js';
import { instantSchema, timeZoneSchema } from './inputSchemas.js';

/**
 * Scheduling use cases (layer rule, docs/house-rules.md): who may book, move, cancel,
 * check in, close and read appointments, in which transaction, with which audit events.
 * SQL and rows live in appointmentStore.ts.
 */

export type { Appointment, AppointmentStatus } from './appointmentStore.js';
export { ACTIVE_STATUSES, APPOINTMENT_STATUSES, joinPathOf } from './appointmentStore.js';

/** Roles that book, move and cancel on a patient's behalf. Patients do it for themselves. */
export const BOOKING_STAFF: readonly Role[] = ['front_desk', 'admin', 'injector', 'medical_director'];
/** Roles that see every appointment of the practice (injectors see their own schedule). */
export const SCHEDULE_READERS: readonly Role[] = ['front_desk', 'admin', 'medical_director'];

const MINUTE_MS = 60_000;
const instant = instantSchema;

export const bookingInputSchema = z.strictObject({
  appointmentTypeId: z.uuid(),
  providerId: z.uuid(),
  /** Required for staff; patients book for themselves and may omit it. */
  patientId: z.uuid().optional(),
  startsAt: instant,
  /** Where the patient says they will be during the visit (USPS code). */
  patientState: usStateSchema,
  patientTimeZone: timeZoneSchema,
});
/**
 * What the booking service takes. Routes validate with {@link bookingInputSchema}; internal
 * callers (follow-up scheduling) may pass a state code as a plain string: an unknown code
 * simply matches no license and is refused with provider_not_licensed.
 */
export type BookingInput = Omit<z.infer<typeof bookingInputSchema>, 'patientState'> & { patientState: string };

export const rescheduleInputSchema = z.strictObject({
  startsAt: instant,
  patientState: usStateSchema.optional(),
  patientTimeZone: timeZoneSchema.optional(),
});
export type RescheduleInput = z.infer<typeof rescheduleInputSchema>;

export const checkInInputSchema = z.strictObject({
  /** The patient's location now, confirmed at the start of the visit. */
  patientState: usStateSchema,
});
export type CheckInInput = z.infer<typeof checkInInputSchema>;

export const appointmentListSchema = z.strictObject({
  from: instant,
  to: instant,
  providerId: z.uuid().optional(),
  patientId: z.uuid().optional(),
});
export type AppointmentListInput = z.infer<typeof appointmentListSchema>;

/** The row an update returned, audited as `action` in the same transaction. */
async function auditedChange(manager: EntityManager, context: RequestContext, action: AuditAction, row: AppointmentRow): Promise<Appointment> {
  await recordAudit(manager, callerOf(context).practiceId, context, {
    action,
    entityType: 'appointment',
    entityId: row.id,
    patientId: row.patient_id,
  });
  return toAppointment(row);
}

/** 409 slot_taken: the requested time overlaps another active appointment of the provider. */
export const slotTaken = (): AppError => conflict('slot_taken', 'That time is no longer available');

/** The value of a schedule write, or the 409 that explains why the database refused it. */
function writtenOr409<T>(result: ScheduleWriteResult<T>): T {
  if (result.written) return result.value;
  switch (result.refusal) {
    case 'provider_overlap':
      throw slotTaken();
    case 'patient_overlap':
      throw conflict('patient_busy', 'The patient already has a visit at that time');
    case 'contention':
      throw conflict('booking_contention', 'Too many simultaneous changes to this schedule; please try again');
  }
}

function parseStart(text: string, now: Date): Date {
  const startsAt = new Date(text);
  if (startsAt.getUTCSeconds() !== 0 || startsAt.getUTCMilliseconds() !== 0) {
    throw badRequest('start_not_on_minute', 'Appointments start on a whole minute');
  }
  if (startsAt.getTime() <= now.getTime()) {
    throw new AppError(422, 'slot_in_past', 'That time has already passed');
  }
  return startsAt;
}

async function requireActivePatient(manager: EntityManager, patientId: string): Promise<void> {
  if (!(await isActivePatient(manager, patientId))) throw notFound('patient_not_found', 'No such patient');
}

async function requireBookableProvider(manager: EntityManager, providerId: string): Promise<void> {
  await getProviderProfile(manager, providerId);
  if (!(await isActiveUser(manager, providerId))) throw notFound('provider_not_found', 'No such provider');
}

function patientForBooking(caller: AuthContext, requested: string | undefined): string {
  if (caller.role === 'patient') {
    if (requested !== undefined && requested !== caller.userId) {
      throw forbidden('patients_book_for_themselves', 'Patients can only book for themselves');
    }
    return caller.userId;
  }
  if (!BOOKING_STAFF.includes(caller.role)) throw forbidden();
  if (requested === undefined) throw badRequest('patient_required', 'patientId is required when staff book');
  return requested;
}

async function requireWorkingTime(manager: EntityManager, providerId: string, startsAt: Date, endsAt: Date): Promise<void> {
  if (!(await isWithinWorkingHours(manager, providerId, startsAt, endsAt))) {
    throw conflict('outside_availability', 'The provider does not work at that time');
  }
}

/**
 * Books an appointment inside the caller's transaction (follow-up scheduling books through
 * this). Checks, in order: who may book for whom, the type, the provider, the future
 * start, working hours, a GFE clearance for treatments, and a license for the patient's
 * state at the visit's dates. The database then refuses any overlap (exclusion
 * constraints), which is what makes double-booking impossible under any concurrency; a
 * violation becomes 409 slot_taken and leaves the transaction usable. Audited on success.
 */
export async function bookAppointmentIn(
  manager: EntityManager,
  context: RequestContext,
  input: BookingInput,
  now = new Date(),
): Promise<Appointment> {
  const caller = callerOf(context);
  const patientId = patientForBooking(caller, input.patientId);
  if (caller.role === 'patient') await requireVerifiedEmail(manager, patientId);
  const type = await getBookableType(manager, input.appointmentTypeId);
  await requireBookableProvider(manager, input.providerId);
  await requireActivePatient(manager, patientId);
  const startsAt = parseStart(input.startsAt, now);
  const endsAt = new Date(startsAt.getTime() + type.durationMinutes * MINUTE_MS);
  await requireWorkingTime(manager, input.providerId, startsAt, endsAt);
  if (type.kind === 'treatment' && type.serviceCode !== null) {
    await assertGfeClearance(manager, { patientId, serviceCode: type.serviceCode, at: startsAt, state: input.patientState });
  }
  await requireValidLicense(manager, {
    providerId: input.providerId,
    state: input.patientState,
    startsAt,
    endsAt,
    patientTimeZone: input.patientTimeZone,
  });
  const row = writtenOr409(
    await scheduleWrite(manager, input.providerId, () =>
      insertAppointment(manager, {
        practiceId: caller.practiceId,
        appointmentTypeId: type.id,
        providerId: input.providerId,
        patientId,
        kind: type.kind,
        serviceCode: type.serviceCode,
        startsAt,
        endsAt,
        occupiedFrom: new Date(startsAt.getTime() - type.bufferBeforeMinutes * MINUTE_MS),
        occupiedTo: new Date(endsAt.getTime() + type.bufferAfterMinutes * MINUTE_MS),
        patientState: input.patientState,
        patientTimeZone: input.patientTimeZone,
        bookedBy: caller.userId,
      }),
    ),
  );
  return auditedChange(manager, context, 'appointment.book', row);
}

/**
 * Books in a transaction of its own. A refused booking leaves nothing but one refusal event
 * (kernel policy, docs/access-policy.md) naming the patient: an attempt to write their schedule.
 */
export async function bookAppointment(dataSource: DataSource, context: RequestContext, input: BookingInput): Promise<Appointment> {
  const caller = callerOf(context);
  const patientId = caller.role === 'patient' ? caller.userId : (input.patientId ?? null);
  return withRefusalAudit(dataSource, context, { action: 'appointment.book', entityType: 'appointment', patientId }, (manager) =>
    bookAppointmentIn(manager, context, input),
  );
}

async function lockOrNotFound(manager: EntityManager, appointmentId: string): Promise<AppointmentRow> {
  const row = await lockAppointment(manager, appointmentId);
  if (row === null) throw notFound('appointment_not_found', 'No such appointment');
  return row;
}

/**
 * Who may see or change one appointment: its patient, its provider, and schedule staff.
 * Anyone else gets 404, so appointment ids do not reveal that a visit exists.
 */
function requireAppointmentAccess(caller: AuthContext, row: AppointmentRow, staff: readonly Role[]): void {
  if (caller.role === 'patient' && row.patient_id === caller.userId) return;
  if (isProviderRole(caller.role) && row.provider_id === caller.userId) return;
  if (staff.includes(caller.role)) return;
  throw notFound('appointment_not_found', 'No such appointment');
}

/** Roles (besides the appointment's own patient and provider) that move or cancel visits. */
const RESCHEDULE_STAFF: readonly Role[] = ['front_desk', 'admin'];

/**
 * Moves a booked appointment. The row keeps its id (and join link); the new occupied
 * range is checked by the same exclusion constraint, so the move is atomic: either the
 * new time is held or nothing changed.
 */
export async function rescheduleAppointmentIn(
  manager: EntityManager,
  context: RequestContext,
  appointmentId: string,
  input: RescheduleInput,
  now = new Date(),
): Promise<Appointment> {
  const caller = callerOf(context);
  const current = await lockOrNotFound(manager, appointmentId);
  requireAppointmentAccess(caller, current, RESCHEDULE_STAFF);
  if (current.status !== 'booked') throw conflict('appointment_not_active', 'Only booked appointments can be rescheduled');
  const type = await typeTimingOf(manager, current.appointment_type_id);
  if (type === null) throw new Error('appointment type vanished');
  const startsAt = parseStart(input.startsAt, now);
  const endsAt = new Date(startsAt.getTime() + type.durationMinutes * MINUTE_MS);
  const patientState = input.patientState ?? current.patient_state;
  const patientTimeZone = input.patientTimeZone ?? current.patient_time_zone;
  await requireWorkingTime(manager, current.provider_id, startsAt, endsAt);
  if (current.kind === 'treatment' && current.service_code !== null) {
    await assertGfeClearance(manager, {
      patientId: current.patient_id,
      serviceCode: current.service_code,
      at: startsAt,
      state: patientState,
    });
  }
  await requireValidLicense(manager, { providerId: current.provider_id, state: patientState, startsAt, endsAt, patientTimeZone });
  const row = writtenOr409(
    await scheduleWrite(manager, current.provider_id, () =>
      moveAppointment(manager, appointmentId, {
        startsAt,
        endsAt,
        occupiedFrom: new Date(startsAt.getTime() - type.bufferBeforeMinutes * MINUTE_MS),
        occupiedTo: new Date(endsAt.getTime() + type.bufferAfterMinutes * MINUTE_MS),
        patientState,
        patientTimeZone,
      }),
    ),
  );
  return auditedChange(manager, context, 'appointment.reschedule', row);
}

/** Reschedules in a transaction of its own; a refusal leaves only its refusal event. */
export async function rescheduleAppointment(
  dataSource: DataSource,
  context: RequestContext,
  appointmentId: string,
  input: RescheduleInput,
): Promise<Appointment> {
  // The audit of a refused move should still name whose visit it was (a read of one column).
  const patientId = await withTenant(dataSource, callerOf(context).practiceId, (manager) => patientOfAppointment(manager, appointmentId));
  return withRefusalAudit(
    dataSource,
    context,
    { action: 'appointment.reschedule', entityType: 'appointment', entityId: appointmentId, patientId },
    (manager) => rescheduleAppointmentIn(manager, context, appointmentId, input),
  );
}

/** Cancels a booked or checked-in appointment, freeing its time. */
export async function cancelAppointment(manager: EntityManager, context: RequestContext, appointmentId: string): Promise<Appointment> {
  const caller = callerOf(context);
  const current = await lockOrNotFound(manager, appointmentId);
  requireAppointmentAccess(caller, current, RESCHEDULE_STAFF);
  if (current.status !== 'booked' && current.status !== 'checked_in') {
    throw conflict('appointment_not_active', 'Only upcoming appointments can be cancelled');
  }
  return auditedChange(manager, context, 'appointment.cancel', await markCancelled(manager, appointmentId, caller.userId));
}

/**
 * The patient (or front desk for them) confirms where the patient is now. The visit keeps
 * that state; admission checks the provider's license against it.
 */
export async function checkInAppointment(
  manager: EntityManager,
  context: RequestContext,
  appointmentId: string,
  input: CheckInInput,
): Promise<Appointment> {
  const caller = callerOf(context);
  const current = await lockOrNotFound(manager, appointmentId);
  if (!(caller.role === 'patient' && current.patient_id === caller.userId) && caller.role !== 'front_desk') {
    throw notFound('appointment_not_found', 'No such appointment');
  }
  if (current.status !== 'booked' && current.status !== 'checked_in') {
    throw conflict('appointment_not_active', 'This appointment is not open for check-in');
  }
  return auditedChange(manager, context, 'appointment.check_in', await markCheckedIn(manager, appointmentId, input.patientState));
}

/** How a visit ended, once its time has come. */
export const VISIT_OUTCOMES = ['completed', 'no_show'] as const;
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number];

/**
 * Closes a visit that has started: completed (by its provider or a medical director) or
 * no-show (also by the front desk). A closed visit frees nothing retroactively but stops
 * being admissible, reschedulable or cancellable.
 */
export async function closeAppointment(
  manager: EntityManager,
  context: RequestContext,
  appointmentId: string,
  outcome: VisitOutcome,
  now = new Date(),
): Promise<Appointment> {
  const caller = callerOf(context);
  const current = await lockOrNotFound(manager, appointmentId);
  const isOwnProvider = isProviderRole(caller.role) && current.provider_id === caller.userId;
  const mayClose =
    isOwnProvider || caller.role === 'medical_director' || (outcome === 'no_show' && caller.role === 'front_desk');
  if (!mayClose) throw notFound('appointment_not_found', 'No such appointment');
  if (!(ACTIVE_STATUSES as readonly string[]).includes(current.status)) {
    throw conflict('appointment_not_active', 'This appointment is already closed or cancelled');
  }
  if (now.getTime() < current.starts_at.getTime()) {
    throw conflict('visit_not_started', 'A visit can only be closed once its start time has passed');
  }
  const row = await setStatus(manager, appointmentId, outcome);
  return auditedChange(manager, context, outcome === 'completed' ? 'appointment.complete' : 'appointment.no_show', row);
}

function withNames(appointment: Appointment, names: ReadonlyMap<string, string>): Appointment {
  return { ...appointment, patientName: names.get(appointment.patientId) ?? '', providerName: names.get(appointment.providerId) ?? '' };
}

/** One appointment, for someone entitled to it; the read is audited. */
export async function getAppointment(manager: EntityManager, context: RequestContext, appointmentId: string): Promise<Appointment> {
  const caller = callerOf(context);
  const row = await findAppointment(manager, appointmentId);
  if (row === null) throw notFound('appointment_not_found', 'No such appointment');
  requireAppointmentAccess(caller, row, SCHEDULE_READERS);
  const names = await userNamesById(manager, [row.patient_id, row.provider_id]);
  await recordAudit(manager, caller.practiceId, context, {
    action: 'appointment.read',
    entityType: 'appointment',
    entityId: row.id,
    patientId: row.patient_id,
    metadata: { patient_name: true },
  });
  return withNames(toAppointment(row), names);
}

/** Longest window one schedule listing covers, and the most rows it returns. */
export const MAX_LIST_DAYS = 62;
export const MAX_LIST_ROWS = 500;

/**
 * Appointments starting in [from, to). Patients see their own, injectors their own
 * schedule, schedule staff anyone's (optionally filtered). Each returned appointment is
 * audited as read, so every patient's "who viewed my record" shows schedule views too.
 */
export async function listAppointments(manager: EntityManager, context: RequestContext, input: AppointmentListInput): Promise<Appointment[]> {
  const caller = callerOf(context);
  const from = new Date(input.from);
  const to = new Date(input.to);
  if (to <= from) throw badRequest('invalid_range', 'to must be after from');
  if (to.getTime() - from.getTime() > MAX_LIST_DAYS * 86_400_000) {
    throw badRequest('range_too_long', `List at most ${MAX_LIST_DAYS} days at a time`);
  }
  let patientId = input.patientId ?? null;
  let providerId = input.providerId ?? null;
  if (caller.role === 'patient') {
    if (patientId !== null && patientId !== caller.userId) throw forbidden('own_appointments_only', 'Patients see only their own visits');
    patientId = caller.userId;
  } else if (!SCHEDULE_READERS.includes(caller.role)) {
    if (!isProviderRole(caller.role)) throw forbidden();
    if (providerId !== null && providerId !== caller.userId) throw forbidden('own_schedule_only', 'Injectors see their own schedule');
    providerId = caller.userId;
  }
  const rows = await listAppointmentRows(manager, { from, to, patientId, providerId, limit: MAX_LIST_ROWS });
  const names = await userNamesById(manager, rows.flatMap((row) => [row.patient_id, row.provider_id]));
  for (const row of rows) {
    await recordAudit(manager, caller.practiceId, context, {
      action: 'appointment.list',
      entityType: 'appointment',
      entityId: row.id,
      patientId: row.patient_id,
      // The listing shows the patient's name: recorded so the read is accounted for.
      metadata: { patient_name: true },
    });
  }
  return rows.map((row) => withNames(toAppointment(row), names));
}

/** The facts admission needs about an appointment, read in the caller's transaction. */
export interface AppointmentFacts {
  id: string;
  providerId: string;
  patientId: string;
  kind: AppointmentKind;
  status: AppointmentStatus;
  startsAt: Date;
  endsAt: Date;
  patientState: string;
  confirmedState: string | null;
  patientTimeZone: string;
}

/** Loads an appointment without access checks or audit: for internal decisions only. */
export async function appointmentFacts(manager: EntityManager, appointmentId: string): Promise<AppointmentFacts | null> {
  const row = await findAppointment(manager, appointmentId);
  if (row === null) return null;
  return {
    id: row.id,
    providerId: row.provider_id,
    patientId: row.patient_id,
    kind: row.kind,
    status: row.status,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    patientState: row.patient_state,
    confirmedState: row.confirmed_state,
    patientTimeZone: row.patient_time_zone,
  };
}

import { setTimeout } from 'node:timers/promises';
import type { AuditAction, Role } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AuditEntry } from '../../audit/auditWriter.js';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../errors.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import { isProviderRole } from '../licensure/access.js';
import { assertGfeClearance } from '../gfe/gfeService.js';
import { requireVerifiedEmail } from '../identity/patientRegistration.js';
import { getProviderProfile, requireValidLicense } from '../licensure/providerService.js';
import { usStateSchema } from '../licensure/usStates.js';
import type { AppointmentKind } from './appointmentTypes.js';
import { getBookableType } from './appointmentTypes.js';
import { isWithinWorkingHours } from './availability.js';
import { instantSchema, timeZoneSchema } from './inputSchemas.js';
import type { LocalDisplay } from './zonedTime.js';
import { toLocalDisplay } from './zonedTime.js';
import { callerOf } from '../../kernel/index.js';
import { constraintOf, isDeadlock, isExclusionViolation } from '../../db/pgErrors.js';

/** Statuses that hold the provider's time; the exclusion constraints apply to exactly these. */
export const ACTIVE_STATUSES = ['booked', 'checked_in', 'in_progress'] as const;
export const APPOINTMENT_STATUSES = [...ACTIVE_STATUSES, 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** Roles that book, move and cancel on a patient's behalf. Patients do it for themselves. */
export const BOOKING_STAFF: readonly Role[] = ['front_desk', 'admin', 'injector', 'medical_director'];
/** Roles that see every appointment of the practice (injectors see their own schedule). */
export const SCHEDULE_READERS: readonly Role[] = ['front_desk', 'admin', 'medical_director'];

/**
 * Two transactions inserting overlapping rows at the same instant can each wait for the
 * other's exclusion check; PostgreSQL then aborts one of them with deadlock_detected.
 * guardedWrite's per-provider lock rules this out for one provider's schedule; the patient
 * constraint spans providers, so a victim there is simply tried again: it then waits for the
 * survivor and gets a clean exclusion violation (409) or, if the survivor rolled back, the slot.
 */
const MAX_WRITE_ATTEMPTS = 10;
/** Victims back off a little, with jitter, so they do not meet the same rival again at once. */
const DEADLOCK_BACKOFF_MS = 10;
const PROVIDER_OVERLAP_CONSTRAINT = 'appointments_no_provider_overlap';
const PATIENT_OVERLAP_CONSTRAINT = 'appointments_no_patient_overlap';

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

export interface Appointment {
  id: string;
  appointmentTypeId: string;
  kind: AppointmentKind;
  serviceCode: string | null;
  providerId: string;
  patientId: string;
  startsAt: string;
  endsAt: string;
  status: AppointmentStatus;
  patientState: string;
  patientTimeZone: string;
  confirmedState: string | null;
  confirmedAt: string | null;
  /** The start on the patient's clock. */
  local: LocalDisplay;
  /** Client path of the visit room (the confirmation's join link). */
  joinPath: string;
  /** Who the visit is with, on schedule reads (the read is audited with `patient_name`). */
  patientName?: string;
  providerName?: string;
}

interface AppointmentRow {
  id: string;
  appointment_type_id: string;
  kind: AppointmentKind;
  service_code: string | null;
  provider_id: string;
  patient_id: string;
  starts_at: Date;
  ends_at: Date;
  status: AppointmentStatus;
  patient_state: string;
  patient_time_zone: string;
  confirmed_state: string | null;
  confirmed_at: Date | null;
}

const APPOINTMENT_COLUMNS = `id, appointment_type_id, kind, service_code, provider_id, patient_id, starts_at, ends_at,
  status, patient_state, patient_time_zone, confirmed_state, confirmed_at`;

/** The client route that opens a visit's waiting room. */
export function joinPathOf(appointmentId: string): string {
  return `/visit/${appointmentId}`;
}

function toAppointment(row: AppointmentRow): Appointment {
  return {
    id: row.id,
    appointmentTypeId: row.appointment_type_id,
    kind: row.kind,
    serviceCode: row.service_code,
    providerId: row.provider_id,
    patientId: row.patient_id,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    status: row.status,
    patientState: row.patient_state,
    patientTimeZone: row.patient_time_zone,
    confirmedState: row.confirmed_state,
    confirmedAt: row.confirmed_at === null ? null : row.confirmed_at.toISOString(),
    local: toLocalDisplay(row.starts_at, row.patient_time_zone),
    joinPath: joinPathOf(row.id),
  };
}

/** The row an `UPDATE ... RETURNING` changed, audited as `action` in the same transaction. */
async function auditedChange(
  manager: EntityManager,
  context: RequestContext,
  action: AuditAction,
  result: [AppointmentRow[], number],
): Promise<Appointment> {
  const row = result[0][0];
  if (row === undefined) throw new Error('update returned no row');
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

/**
 * Runs one write that the exclusion constraints guard, inside a savepoint: a violation rolls
 * back only this statement (the caller's transaction stays usable) and becomes a 409.
 */
async function guardedWrite<T>(manager: EntityManager, providerId: string, write: () => Promise<T>): Promise<T> {
  // Writes to one provider's schedule take turns until commit: concurrent overlapping inserts
  // would otherwise wait on each other's exclusion checks and deadlock (seen with 220
  // simultaneous bookings of one slot). The loser then meets a committed row: a clean 409.
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`provider-schedule:${providerId}`]);
  for (let attempt = 1; ; attempt += 1) {
    await manager.query('SAVEPOINT appointment_write');
    try {
      const result = await write();
      await manager.query('RELEASE SAVEPOINT appointment_write');
      return result;
    } catch (error) {
      const deadlock = isDeadlock(error);
      if (!deadlock && !isExclusionViolation(error)) throw error;
      await manager.query('ROLLBACK TO SAVEPOINT appointment_write');
      if (deadlock) {
        if (attempt < MAX_WRITE_ATTEMPTS) {
          await setTimeout(DEADLOCK_BACKOFF_MS * attempt * (0.5 + Math.random()));
          continue;
        }
        throw conflict('booking_contention', 'Too many simultaneous changes to this schedule; please try again');
      }
      if (constraintOf(error) === PATIENT_OVERLAP_CONSTRAINT) {
        throw conflict('patient_busy', 'The patient already has a visit at that time');
      }
      if (constraintOf(error) === PROVIDER_OVERLAP_CONSTRAINT) throw slotTaken();
      throw error;
    }
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
  const rows = await manager.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND role = 'patient' AND disabled_at IS NULL`, [
    patientId,
  ]);
  if (rows.length === 0) throw notFound('patient_not_found', 'No such patient');
}

async function requireBookableProvider(manager: EntityManager, providerId: string): Promise<void> {
  await getProviderProfile(manager, providerId);
  const rows = await manager.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL`, [providerId]);
  if (rows.length === 0) throw notFound('provider_not_found', 'No such provider');
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
 * Books an appointment inside the caller's transaction (D2 books follow-ups through this).
 * Checks, in order: who may book for whom, the type, the provider, the future start,
 * working hours, a GFE clearance for treatments, and a license for the patient's state
 * at the visit's dates. The database then refuses any overlap (exclusion constraints),
 * which is what makes double-booking impossible under any concurrency; a violation
 * becomes 409 slot_taken and leaves the transaction usable. Audited on success.
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
  const occupiedFrom = new Date(startsAt.getTime() - type.bufferBeforeMinutes * MINUTE_MS);
  const occupiedTo = new Date(endsAt.getTime() + type.bufferAfterMinutes * MINUTE_MS);
  const rows = await guardedWrite(manager, input.providerId, () =>
    manager.query<AppointmentRow[]>(
      `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, service_code,
         starts_at, ends_at, occupied, patient_state, patient_time_zone, booked_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, tstzrange($9, $10, '[)'), $11, $12, $13)
       RETURNING ${APPOINTMENT_COLUMNS}`,
      [
        caller.practiceId,
        type.id,
        input.providerId,
        patientId,
        type.kind,
        type.serviceCode,
        startsAt,
        endsAt,
        occupiedFrom,
        occupiedTo,
        input.patientState,
        input.patientTimeZone,
        caller.userId,
      ],
    ),
  );
  const row = rows[0];
  if (row === undefined) throw new Error('insert returned no row');
  await recordAudit(manager, caller.practiceId, context, {
    action: 'appointment.book',
    entityType: 'appointment',
    entityId: row.id,
    patientId,
  });
  return toAppointment(row);
}

/** Refusals worth an audit event of their own: someone tried to write a patient's schedule. */
function refusalOutcome(error: unknown): AuditEntry['outcome'] | null {
  if (!(error instanceof AppError)) return null;
  if (error.status === 403) return 'denied';
  if (error.status === 409 || error.status === 422) return 'failure';
  return null;
}

/**
 * Runs a schedule write in its own tenant transaction. When it is refused (409/422/403)
 * the transaction has rolled back, so nothing of the attempt remains except what is
 * written deliberately afterwards: one audit event with outcome failure/denied naming the
 * patient (never the reason's details).
 */
async function writeWithRefusalAudit<T>(
  dataSource: DataSource,
  context: RequestContext,
  attempt: { action: AuditEntry['action']; appointmentId?: string; patientId: string | null },
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const caller = callerOf(context);
  try {
    return await withTenant(dataSource, caller.practiceId, work);
  } catch (error) {
    const outcome = refusalOutcome(error);
    if (outcome !== null) {
      await withTenant(dataSource, caller.practiceId, (manager) =>
        recordAudit(manager, caller.practiceId, context, {
          action: attempt.action,
          outcome,
          entityType: 'appointment',
          ...(attempt.appointmentId === undefined ? {} : { entityId: attempt.appointmentId }),
          patientId: attempt.patientId,
        }),
      );
    }
    throw error;
  }
}

/** Books in a transaction of its own; refusals leave only a failure audit event. */
export async function bookAppointment(dataSource: DataSource, context: RequestContext, input: BookingInput): Promise<Appointment> {
  const caller = callerOf(context);
  const patientId = caller.role === 'patient' ? caller.userId : (input.patientId ?? null);
  return writeWithRefusalAudit(dataSource, context, { action: 'appointment.book', patientId }, (manager) =>
    bookAppointmentIn(manager, context, input),
  );
}

async function lockAppointment(manager: EntityManager, appointmentId: string): Promise<AppointmentRow> {
  const rows = await manager.query<AppointmentRow[]>(`SELECT ${APPOINTMENT_COLUMNS} FROM appointments WHERE id = $1 FOR UPDATE`, [
    appointmentId,
  ]);
  const row = rows[0];
  if (row === undefined) throw notFound('appointment_not_found', 'No such appointment');
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
  const current = await lockAppointment(manager, appointmentId);
  requireAppointmentAccess(caller, current, RESCHEDULE_STAFF);
  if (current.status !== 'booked') throw conflict('appointment_not_active', 'Only booked appointments can be rescheduled');
  const typeRows = await manager.query<{ duration_minutes: number; buffer_before_minutes: number; buffer_after_minutes: number }[]>(
    `SELECT duration_minutes, buffer_before_minutes, buffer_after_minutes FROM appointment_types WHERE id = $1`,
    [current.appointment_type_id],
  );
  const type = typeRows[0];
  if (type === undefined) throw new Error('appointment type vanished');
  const startsAt = parseStart(input.startsAt, now);
  const endsAt = new Date(startsAt.getTime() + type.duration_minutes * MINUTE_MS);
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
  const result = await guardedWrite(manager, current.provider_id, () =>
    manager.query<[AppointmentRow[], number]>(
      `UPDATE appointments SET starts_at = $2, ends_at = $3, occupied = tstzrange($4, $5, '[)'),
         patient_state = $6, patient_time_zone = $7, updated_at = now()
       WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`,
      [
        appointmentId,
        startsAt,
        endsAt,
        new Date(startsAt.getTime() - type.buffer_before_minutes * MINUTE_MS),
        new Date(endsAt.getTime() + type.buffer_after_minutes * MINUTE_MS),
        patientState,
        patientTimeZone,
      ],
    ),
  );
  return auditedChange(manager, context, 'appointment.reschedule', result);
}

/** Reschedules in a transaction of its own; refusals leave only a failure audit event. */
export async function rescheduleAppointment(
  dataSource: DataSource,
  context: RequestContext,
  appointmentId: string,
  input: RescheduleInput,
): Promise<Appointment> {
  const caller = callerOf(context);
  // The audit of a refused move should still name whose visit it was (a read of one column).
  const owner = await withTenant(dataSource, caller.practiceId, (manager) =>
    manager.query<{ patient_id: string }[]>(`SELECT patient_id FROM appointments WHERE id = $1`, [appointmentId]),
  );
  const patientId = owner[0]?.patient_id ?? null;
  return writeWithRefusalAudit(dataSource, context, { action: 'appointment.reschedule', appointmentId, patientId }, (manager) =>
    rescheduleAppointmentIn(manager, context, appointmentId, input),
  );
}

/** Cancels a booked or checked-in appointment, freeing its time. */
export async function cancelAppointment(manager: EntityManager, context: RequestContext, appointmentId: string): Promise<Appointment> {
  const caller = callerOf(context);
  const current = await lockAppointment(manager, appointmentId);
  requireAppointmentAccess(caller, current, RESCHEDULE_STAFF);
  if (current.status !== 'booked' && current.status !== 'checked_in') {
    throw conflict('appointment_not_active', 'Only upcoming appointments can be cancelled');
  }
  const result = await manager.query<[AppointmentRow[], number]>(
    `UPDATE appointments SET status = 'cancelled', cancelled_at = now(), cancelled_by = $2, updated_at = now()
     WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`,
    [appointmentId, caller.userId],
  );
  return auditedChange(manager, context, 'appointment.cancel', result);
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
  const current = await lockAppointment(manager, appointmentId);
  if (!(caller.role === 'patient' && current.patient_id === caller.userId) && caller.role !== 'front_desk') {
    throw notFound('appointment_not_found', 'No such appointment');
  }
  if (current.status !== 'booked' && current.status !== 'checked_in') {
    throw conflict('appointment_not_active', 'This appointment is not open for check-in');
  }
  const result = await manager.query<[AppointmentRow[], number]>(
    `UPDATE appointments SET status = 'checked_in', confirmed_state = $2, confirmed_at = now(), updated_at = now()
     WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`,
    [appointmentId, input.patientState],
  );
  return auditedChange(manager, context, 'appointment.check_in', result);
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
  const current = await lockAppointment(manager, appointmentId);
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
  const result = await manager.query<[AppointmentRow[], number]>(
    `UPDATE appointments SET status = $2, updated_at = now() WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`,
    [appointmentId, outcome],
  );
  return auditedChange(manager, context, outcome === 'completed' ? 'appointment.complete' : 'appointment.no_show', result);
}

/** Display names of users of the current tenant, by id. */
async function namesOf(manager: EntityManager, userIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return new Map();
  const rows = await manager.query<{ id: string; name: string }[]>(
    `SELECT id, given_name || ' ' || family_name AS name FROM users WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.name]));
}

function withNames(appointment: Appointment, names: ReadonlyMap<string, string>): Appointment {
  return { ...appointment, patientName: names.get(appointment.patientId) ?? '', providerName: names.get(appointment.providerId) ?? '' };
}

/** One appointment, for someone entitled to it; the read is audited. */
export async function getAppointment(manager: EntityManager, context: RequestContext, appointmentId: string): Promise<Appointment> {
  const caller = callerOf(context);
  const rows = await manager.query<AppointmentRow[]>(`SELECT ${APPOINTMENT_COLUMNS} FROM appointments WHERE id = $1`, [appointmentId]);
  const row = rows[0];
  if (row === undefined) throw notFound('appointment_not_found', 'No such appointment');
  requireAppointmentAccess(caller, row, SCHEDULE_READERS);
  const names = await namesOf(manager, [row.patient_id, row.provider_id]);
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
  const rows = await manager.query<AppointmentRow[]>(
    `SELECT ${APPOINTMENT_COLUMNS} FROM appointments
     WHERE starts_at >= $1 AND starts_at < $2 AND ($3::uuid IS NULL OR patient_id = $3) AND ($4::uuid IS NULL OR provider_id = $4)
     ORDER BY starts_at, id LIMIT ${MAX_LIST_ROWS}`,
    [from, to, patientId, providerId],
  );
  const names = await namesOf(manager, rows.flatMap((row) => [row.patient_id, row.provider_id]));
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
  const rows = await manager.query<AppointmentRow[]>(`SELECT ${APPOINTMENT_COLUMNS} FROM appointments WHERE id = $1`, [appointmentId]);
  const row = rows[0];
  if (row === undefined) return null;
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

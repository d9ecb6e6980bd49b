import { setTimeout } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';
import { constraintOf, isDeadlock, isExclusionViolation } from '../../db/pgErrors.js';
import type { AppointmentKind } from './appointmentTypes.js';
import type { LocalDisplay } from '@medspa/shared-types';
import { toLocalDisplay } from '@medspa/shared-types';

/**
 * The appointments store (layer rule, docs/house-rules.md): SQL on `appointments`, its
 * rows and their view. Who may do what, and auditing, belong to the use cases in
 * appointments.ts.
 */

/** Statuses that hold the provider's time; the exclusion constraints apply to exactly these. */
export const ACTIVE_STATUSES = ['booked', 'checked_in', 'in_progress'] as const;
export const APPOINTMENT_STATUSES = [...ACTIVE_STATUSES, 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

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

export interface AppointmentRow {
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

/** The API view of a row. */
export function toAppointment(row: AppointmentRow): Appointment {
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

/** One row of the current tenant, or null. */
export async function findAppointment(tx: EntityManager, appointmentId: string): Promise<AppointmentRow | null> {
  const rows = await tx.query<AppointmentRow[]>(`SELECT ${APPOINTMENT_COLUMNS} FROM appointments WHERE id = $1`, [appointmentId]);
  return rows[0] ?? null;
}

/** One row locked for update until commit, or null. */
export async function lockAppointment(tx: EntityManager, appointmentId: string): Promise<AppointmentRow | null> {
  const rows = await tx.query<AppointmentRow[]>(`SELECT ${APPOINTMENT_COLUMNS} FROM appointments WHERE id = $1 FOR UPDATE`, [
    appointmentId,
  ]);
  return rows[0] ?? null;
}

/** Whose visit an appointment is (one column), or null when there is no such appointment. */
export async function patientOfAppointment(tx: EntityManager, appointmentId: string): Promise<string | null> {
  const rows = await tx.query<{ patient_id: string }[]>(`SELECT patient_id FROM appointments WHERE id = $1`, [appointmentId]);
  return rows[0]?.patient_id ?? null;
}

/** Whether the id is an enabled patient of the current tenant. */
export async function isActivePatient(tx: EntityManager, patientId: string): Promise<boolean> {
  const rows = await tx.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND role = 'patient' AND disabled_at IS NULL`, [patientId]);
  return rows.length > 0;
}

/** Whether the id is an enabled user of the current tenant. */
export async function isActiveUser(tx: EntityManager, userId: string): Promise<boolean> {
  const rows = await tx.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL`, [userId]);
  return rows.length > 0;
}

/** Length and buffers of an appointment type, in minutes. */
export interface TypeTiming {
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}

/** The timing of an appointment type, or null when it vanished. */
export async function typeTimingOf(tx: EntityManager, appointmentTypeId: string): Promise<TypeTiming | null> {
  const rows = await tx.query<{ duration_minutes: number; buffer_before_minutes: number; buffer_after_minutes: number }[]>(
    `SELECT duration_minutes, buffer_before_minutes, buffer_after_minutes FROM appointment_types WHERE id = $1`,
    [appointmentTypeId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  return {
    durationMinutes: row.duration_minutes,
    bufferBeforeMinutes: row.buffer_before_minutes,
    bufferAfterMinutes: row.buffer_after_minutes,
  };
}

/** A new appointment; `occupiedFrom`/`occupiedTo` include the type's buffers. */
export interface NewAppointment {
  practiceId: string;
  appointmentTypeId: string;
  providerId: string;
  patientId: string;
  kind: AppointmentKind;
  serviceCode: string | null;
  startsAt: Date;
  endsAt: Date;
  occupiedFrom: Date;
  occupiedTo: Date;
  patientState: string;
  patientTimeZone: string;
  bookedBy: string;
}

/** Inserts a booked appointment (the exclusion constraints refuse overlaps). */
export async function insertAppointment(tx: EntityManager, row: NewAppointment): Promise<AppointmentRow> {
  const rows = await tx.query<AppointmentRow[]>(
    `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, service_code,
       starts_at, ends_at, occupied, patient_state, patient_time_zone, booked_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, tstzrange($9, $10, '[)'), $11, $12, $13)
     RETURNING ${APPOINTMENT_COLUMNS}`,
    [
      row.practiceId,
      row.appointmentTypeId,
      row.providerId,
      row.patientId,
      row.kind,
      row.serviceCode,
      row.startsAt,
      row.endsAt,
      row.occupiedFrom,
      row.occupiedTo,
      row.patientState,
      row.patientTimeZone,
      row.bookedBy,
    ],
  );
  const inserted = rows[0];
  if (inserted === undefined) throw new Error('insert returned no row');
  return inserted;
}

/** UPDATE ... RETURNING of one appointment (TypeORM answers UPDATE with `[rows, affected]`). */
async function updateOne(tx: EntityManager, sql: string, parameters: unknown[]): Promise<AppointmentRow> {
  const [rows] = await tx.query<[AppointmentRow[], number]>(sql, parameters);
  const row = rows[0];
  if (row === undefined) throw new Error('update returned no row');
  return row;
}

/** Moves an appointment to new times (and, optionally, a new patient location). */
export function moveAppointment(
  tx: EntityManager,
  appointmentId: string,
  move: { startsAt: Date; endsAt: Date; occupiedFrom: Date; occupiedTo: Date; patientState: string; patientTimeZone: string },
): Promise<AppointmentRow> {
  return updateOne(
    tx,
    `UPDATE appointments SET starts_at = $2, ends_at = $3, occupied = tstzrange($4, $5, '[)'),
       patient_state = $6, patient_time_zone = $7, updated_at = now()
     WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`,
    [appointmentId, move.startsAt, move.endsAt, move.occupiedFrom, move.occupiedTo, move.patientState, move.patientTimeZone],
  );
}

/** Marks an appointment cancelled by `userId`, freeing its time. */
export function markCancelled(tx: EntityManager, appointmentId: string, userId: string): Promise<AppointmentRow> {
  return updateOne(
    tx,
    `UPDATE appointments SET status = 'cancelled', cancelled_at = now(), cancelled_by = $2, updated_at = now()
     WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`,
    [appointmentId, userId],
  );
}

/** Marks an appointment checked in with the patient's confirmed state. */
export function markCheckedIn(tx: EntityManager, appointmentId: string, patientState: string): Promise<AppointmentRow> {
  return updateOne(
    tx,
    `UPDATE appointments SET status = 'checked_in', confirmed_state = $2, confirmed_at = now(), updated_at = now()
     WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`,
    [appointmentId, patientState],
  );
}

/** Sets an appointment's status (closing a visit). */
export function setStatus(tx: EntityManager, appointmentId: string, status: AppointmentStatus): Promise<AppointmentRow> {
  return updateOne(tx, `UPDATE appointments SET status = $2, updated_at = now() WHERE id = $1 RETURNING ${APPOINTMENT_COLUMNS}`, [
    appointmentId,
    status,
  ]);
}

/** Appointments starting in [from, to), optionally of one patient and/or provider, in time order. */
export function listAppointmentRows(
  tx: EntityManager,
  filter: { from: Date; to: Date; patientId: string | null; providerId: string | null; limit: number },
): Promise<AppointmentRow[]> {
  return tx.query<AppointmentRow[]>(
    `SELECT ${APPOINTMENT_COLUMNS} FROM appointments
     WHERE starts_at >= $1 AND starts_at < $2 AND ($3::uuid IS NULL OR patient_id = $3) AND ($4::uuid IS NULL OR provider_id = $4)
     ORDER BY starts_at, id LIMIT $5`,
    [filter.from, filter.to, filter.patientId, filter.providerId, filter.limit],
  );
}

/**
 * Two transactions inserting overlapping rows at the same instant can each wait for the
 * other's exclusion check; PostgreSQL then aborts one of them with deadlock_detected.
 * The per-provider lock in `scheduleWrite` rules this out for one provider's schedule; the
 * patient constraint spans providers, so a victim there is simply tried again: it then
 * waits for the survivor and gets a clean exclusion violation or, if the survivor rolled
 * back, the slot.
 */
const MAX_WRITE_ATTEMPTS = 10;
/** Victims back off a little, with jitter, so they do not meet the same rival again at once. */
const DEADLOCK_BACKOFF_MS = 10;
const PROVIDER_OVERLAP_CONSTRAINT = 'appointments_no_provider_overlap';
const PATIENT_OVERLAP_CONSTRAINT = 'appointments_no_patient_overlap';

/** Why the database refused a schedule write. */
export type ScheduleRefusal = 'provider_overlap' | 'patient_overlap' | 'contention';

export type ScheduleWriteResult<T> = { written: true; value: T } | { written: false; refusal: ScheduleRefusal };

/**
 * Runs one write the exclusion constraints guard, inside a savepoint: a violation rolls
 * back only this statement (the caller's transaction stays usable) and is reported as a
 * refusal for the use case to explain.
 */
export async function scheduleWrite<T>(tx: EntityManager, providerId: string, write: () => Promise<T>): Promise<ScheduleWriteResult<T>> {
  // Writes to one provider's schedule take turns until commit: concurrent overlapping inserts
  // would otherwise wait on each other's exclusion checks and deadlock (seen with 220
  // simultaneous bookings of one slot). The loser then meets a committed row: a clean refusal.
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`provider-schedule:${providerId}`]);
  for (let attempt = 1; ; attempt += 1) {
    await tx.query('SAVEPOINT appointment_write');
    try {
      const value = await write();
      await tx.query('RELEASE SAVEPOINT appointment_write');
      return { written: true, value };
    } catch (error) {
      const deadlock = isDeadlock(error);
      if (!deadlock && !isExclusionViolation(error)) throw error;
      await tx.query('ROLLBACK TO SAVEPOINT appointment_write');
      if (deadlock) {
        if (attempt < MAX_WRITE_ATTEMPTS) {
          await setTimeout(DEADLOCK_BACKOFF_MS * attempt * (0.5 + Math.random()));
          continue;
        }
        return { written: false, refusal: 'contention' };
      }
      const constraint = constraintOf(error);
      if (constraint === PATIENT_OVERLAP_CONSTRAINT) return { written: false, refusal: 'patient_overlap' };
      if (constraint === PROVIDER_OVERLAP_CONSTRAINT) return { written: false, refusal: 'provider_overlap' };
      throw error;
    }
  }
}

/** Display names of users of the current tenant, by id. */
export async function userNamesById(manager: EntityManager, userIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return new Map();
  const rows = await manager.query<{ id: string; name: string }[]>(
    `SELECT id, given_name || ' ' || family_name AS name FROM users WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.name]));
}

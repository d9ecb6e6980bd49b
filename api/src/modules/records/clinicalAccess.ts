import type { Role } from '@medspa/shared-types';
import { PROVIDER_ROLES } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import type { KeyRing } from '../../crypto/keyRing.js';
import { keyRingFromConfig } from '../../crypto/keyRing.js';
import { AppError, forbidden, notFound } from '../../errors.js';
import type { AuthContext } from '../../http/requestContext.js';
import type { ApiServices } from '../../services.js';

/** What the clinical-record services need: restricted connections and the KEKs. */
export interface ClinicalDeps {
  dataSource: DataSource;
  keyRing: KeyRing;
}

const keyRings = new WeakMap<object, KeyRing>();

/** One key ring per loaded configuration, shared by every clinical module. */
export function clinicalDepsOf(services: ApiServices): ClinicalDeps {
  let keyRing = keyRings.get(services.config);
  if (keyRing === undefined) {
    keyRing = keyRingFromConfig(services.config);
    keyRings.set(services.config, keyRing);
  }
  return { dataSource: services.dataSource, keyRing };
}

/** Whether the role is a licensed provider (injector or medical director). */
export function isProvider(role: Role): boolean {
  return PROVIDER_ROLES.includes(role);
}

/** Refuses callers outside `roles` (defence in depth beside the route's access list). */
export function requireRole(caller: AuthContext, roles: readonly Role[]): void {
  if (!roles.includes(caller.role)) {
    throw forbidden();
  }
}

/**
 * Patients may reach only their own record; the listed staff roles reach any patient of
 * their practice (row-level security already confines them to it). A patient asking for
 * someone else's record gets 404 (`notFoundCode`), so ids reveal nothing; other roles 403.
 */
export function requirePatientAccess(
  caller: AuthContext,
  patientId: string,
  staffRoles: readonly Role[],
  notFoundCode = 'patient_not_found',
): void {
  if (caller.role === 'patient') {
    if (caller.userId !== patientId) {
      throw notFound(notFoundCode, 'Not found');
    }
    return;
  }
  requireRole(caller, staffRoles);
}

/** 404 `patient_not_found` unless the id is a patient of the current tenant. */
export async function requirePatientInPractice(manager: EntityManager, patientId: string): Promise<void> {
  const rows = await manager.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND role = 'patient'`, [patientId]);
  if (rows.length === 0) {
    throw notFound('patient_not_found', 'No such patient');
  }
}

/** The appointment fields clinical records depend on. */
export interface AppointmentFacts {
  id: string;
  patientId: string;
  providerId: string;
  kind: 'virtual_consult' | 'gfe' | 'follow_up' | 'treatment';
  serviceCode: string | null;
  status: string;
  startsAt: Date;
  endsAt: Date;
}

/** Loads an appointment of the current tenant or throws 404 `appointment_not_found`. */
export async function loadAppointment(
  manager: EntityManager,
  appointmentId: string,
): Promise<AppointmentFacts> {
  const rows = await manager.query<
    {
      id: string;
      patient_id: string;
      provider_id: string;
      kind: AppointmentFacts['kind'];
      service_code: string | null;
      status: string;
      starts_at: Date;
      ends_at: Date;
    }[]
  >(
    `SELECT id, patient_id, provider_id, kind, service_code, status, starts_at, ends_at
     FROM appointments WHERE id = $1`,
    [appointmentId],
  );
  const row = rows[0];
  if (row === undefined) {
    throw notFound('appointment_not_found', 'No such appointment');
  }
  return {
    id: row.id,
    patientId: row.patient_id,
    providerId: row.provider_id,
    kind: row.kind,
    serviceCode: row.service_code,
    status: row.status,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
  };
}

/** Refuses work on a cancelled appointment. */
export function requireNotCancelled(appointment: AppointmentFacts): void {
  if (appointment.status === 'cancelled' || appointment.status === 'no_show') {
    throw new AppError(409, 'appointment_not_active', 'The appointment was cancelled or missed');
  }
}

import type { EntityManager } from 'typeorm';
import { forbidden, notFound } from '../errors.js';
import type { Caller } from './caller.js';

/**
 * Why a caller may see a patient's clinical records (docs/access-policy.md). Recorded in
 * the access's audit metadata when it is break-glass, so a review can tell routine care
 * from emergency access.
 */
export type CareTeamBasis = 'self' | 'care_team' | 'role_policy' | 'break_glass';

/** How far back an appointment keeps an injector on a patient's care team. */
export const CARE_TEAM_LOOKBACK_MONTHS = 12;

/** How long a break-glass grant lasts: long enough for one emergency, short enough to review. */
export const BREAK_GLASS_MINUTES = 60;

/** How a refusal reads to the caller. */
export interface CareTeamOptions {
  /** The 404 code a patient gets for someone else's record (default `patient_not_found`). */
  notFoundCode?: string | undefined;
}

/** Whether `userId` holds an unexpired break-glass grant for the patient. */
async function hasBreakGlass(tx: EntityManager, userId: string, patientId: string): Promise<boolean> {
  const rows = await tx.query<unknown[]>(
    `SELECT 1 FROM break_glass_grants
     WHERE user_id = $1 AND patient_id = $2 AND granted_at <= now() AND expires_at > now()
     LIMIT 1`,
    [userId, patientId],
  );
  return rows.length > 0;
}

/**
 * Whether the provider treats the patient: an appointment with them (any status) ending in
 * the last 12 months or still to come, or an active explicit assignment.
 */
async function treats(tx: EntityManager, providerId: string, patientId: string): Promise<boolean> {
  const rows = await tx.query<unknown[]>(
    `SELECT 1 FROM appointments
     WHERE patient_id = $1 AND provider_id = $2 AND ends_at > now() - make_interval(months => $3)
     UNION ALL
     SELECT 1 FROM care_team_assignments
     WHERE patient_id = $1 AND provider_id = $2 AND ended_at IS NULL
     LIMIT 1`,
    [patientId, providerId, CARE_TEAM_LOOKBACK_MONTHS],
  );
  return rows.length > 0;
}

/**
 * Minimum necessary (45 CFR 164.502(b)): decides whether `caller` may read or write the
 * clinical records of `patientId` in the current tenant transaction (row-level security
 * already confines every query to the caller's practice).
 * - a patient: only their own record (anyone else's answers 404, so ids reveal nothing);
 * - an injector: while on the patient's care team (an appointment with them in the last
 *   12 months or upcoming, or an active assignment), else with a break-glass grant;
 * - a medical director: every patient of the practice (they supervise and review charts);
 * - admin, front desk, compliance officer: only with a break-glass grant;
 * - otherwise 403 `not_on_care_team`.
 */
export async function requireCareTeam(
  tx: EntityManager,
  caller: Caller,
  patientId: string,
  options: CareTeamOptions = {},
): Promise<CareTeamBasis> {
  switch (caller.role) {
    case 'patient':
      if (caller.userId !== patientId) throw notFound(options.notFoundCode ?? 'patient_not_found', 'Not found');
      return 'self';
    case 'medical_director':
      return 'role_policy';
    case 'injector':
      if (await treats(tx, caller.userId, patientId)) return 'care_team';
      if (await hasBreakGlass(tx, caller.userId, patientId)) return 'break_glass';
      throw forbidden('not_on_care_team', 'You are not on this patient’s care team');
    case 'front_desk':
    case 'compliance_officer':
    case 'admin':
      if (await hasBreakGlass(tx, caller.userId, patientId)) return 'break_glass';
      throw forbidden('not_on_care_team', 'Clinical records are limited to the patient’s care team');
  }
}

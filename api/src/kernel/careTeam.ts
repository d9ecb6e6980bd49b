import type { EntityManager } from 'typeorm';
import { forbidden, notFound } from '../errors.js';
import type { Caller } from './caller.js';

/**
 * Why a caller may see a patient's clinical records (docs/access-policy.md). Recorded in
 * the access's audit metadata, so a review can tell routine care from break-glass.
 */
export type CareTeamBasis = 'self' | 'care_team' | 'role_policy' | 'break_glass';

/** How far back an appointment keeps an injector on a patient's care team. */
export const CARE_TEAM_LOOKBACK_MONTHS = 12;

/** How a refusal reads to the caller. */
export interface CareTeamOptions {
  /** The 404 code a patient gets for someone else's record (default `patient_not_found`). */
  notFoundCode?: string | undefined;
}

/**
 * Minimum necessary (45 CFR 164.502(b)): decides whether `caller` may read or write the
 * clinical records of `patientId` in the current tenant transaction.
 * - a patient: only their own record (anyone else's answers 404, so ids reveal nothing);
 * - an injector: while on the patient's care team (an appointment with them in the last
 *   12 months or upcoming);
 * - a medical director: every patient of the practice (they supervise and review charts);
 * - anyone else: 403 `not_on_care_team`.
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
    case 'injector': {
      const rows = await tx.query<unknown[]>(
        `SELECT 1 FROM appointments
         WHERE patient_id = $1 AND provider_id = $2
           AND ends_at > now() - make_interval(months => $3)
         LIMIT 1`,
        [patientId, caller.userId, CARE_TEAM_LOOKBACK_MONTHS],
      );
      if (rows.length > 0) return 'care_team';
      throw forbidden('not_on_care_team', 'You are not on this patient’s care team');
    }
    case 'front_desk':
    case 'compliance_officer':
    case 'admin':
      throw forbidden('not_on_care_team', 'Clinical records are limited to the patient’s care team');
  }
}

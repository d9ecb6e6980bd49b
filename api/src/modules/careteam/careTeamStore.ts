import type { EntityManager } from 'typeorm';

/** SQL of care-team assignments and break-glass grants (layer rule: the store only). */

export interface AssignmentRow {
  id: string;
  patient_id: string;
  provider_id: string;
  assigned_by: string;
  assigned_at: Date;
  ended_at: Date | null;
}

export interface GrantRow {
  id: string;
  user_id: string;
  patient_id: string;
  reason: string;
  granted_at: Date;
  expires_at: Date;
}

export interface GrantReviewRow extends GrantRow {
  given_name: string;
  family_name: string;
  role: string;
  patient_given_name: string;
  patient_family_name: string;
}

const ASSIGNMENT_COLUMNS = 'id, patient_id, provider_id, assigned_by, assigned_at, ended_at';
const GRANT_COLUMNS = 'id, user_id, patient_id, reason, granted_at, expires_at';

/** Whether the user is a provider (injector or medical director) of the current practice. */
export async function isProviderUser(tx: EntityManager, userId: string): Promise<boolean> {
  const rows = await tx.query<unknown[]>(
    `SELECT 1 FROM users WHERE id = $1 AND role IN ('injector', 'medical_director')`,
    [userId],
  );
  return rows.length > 0;
}

/** Inserts an active assignment, or returns null when one is already active. */
export async function insertAssignment(
  tx: EntityManager,
  row: { practiceId: string; patientId: string; providerId: string; assignedBy: string },
): Promise<AssignmentRow | null> {
  const rows = await tx.query<AssignmentRow[]>(
    `INSERT INTO care_team_assignments (practice_id, patient_id, provider_id, assigned_by)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (practice_id, patient_id, provider_id) WHERE ended_at IS NULL DO NOTHING
     RETURNING ${ASSIGNMENT_COLUMNS}`,
    [row.practiceId, row.patientId, row.providerId, row.assignedBy],
  );
  return rows[0] ?? null;
}

/** Ends the active assignment of a provider to a patient; null when there is none. */
export async function endAssignment(
  tx: EntityManager,
  row: { patientId: string; providerId: string; endedBy: string },
): Promise<AssignmentRow | null> {
  const [rows] = await tx.query<[AssignmentRow[], number]>(
    `UPDATE care_team_assignments SET ended_at = now(), ended_by = $3
     WHERE patient_id = $1 AND provider_id = $2 AND ended_at IS NULL
     RETURNING ${ASSIGNMENT_COLUMNS}`,
    [row.patientId, row.providerId, row.endedBy],
  );
  return rows[0] ?? null;
}

/** A patient's active assignments, oldest first. */
export async function activeAssignments(tx: EntityManager, patientId: string): Promise<AssignmentRow[]> {
  return tx.query<AssignmentRow[]>(
    `SELECT ${ASSIGNMENT_COLUMNS} FROM care_team_assignments
     WHERE patient_id = $1 AND ended_at IS NULL ORDER BY assigned_at, id`,
    [patientId],
  );
}

/** Records a break-glass grant lasting `minutes` from now. */
export async function insertGrant(
  tx: EntityManager,
  row: { practiceId: string; userId: string; patientId: string; reason: string; minutes: number },
): Promise<GrantRow> {
  const rows = await tx.query<GrantRow[]>(
    `INSERT INTO break_glass_grants (practice_id, user_id, patient_id, reason, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))
     RETURNING ${GRANT_COLUMNS}`,
    [row.practiceId, row.userId, row.patientId, row.reason, row.minutes],
  );
  const grant = rows[0];
  if (grant === undefined) {
    throw new Error('break-glass insert returned no row');
  }
  return grant;
}

/** Grants made since `since`, newest first, with who broke the glass (name, role) and the patient's name. */
export async function grantsForReview(tx: EntityManager, since: Date, limit: number): Promise<GrantReviewRow[]> {
  return tx.query<GrantReviewRow[]>(
    `SELECT g.id, g.user_id, g.patient_id, g.reason, g.granted_at, g.expires_at, u.given_name, u.family_name, u.role,
            p.given_name AS patient_given_name, p.family_name AS patient_family_name
     FROM break_glass_grants g
     JOIN users u ON u.practice_id = g.practice_id AND u.id = g.user_id
     JOIN users p ON p.practice_id = g.practice_id AND p.id = g.patient_id
     WHERE g.granted_at >= $1 ORDER BY g.granted_at DESC, g.id LIMIT $2`,
    [since, limit],
  );
}

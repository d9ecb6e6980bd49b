import { STAFF_ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { forbidden } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from './clinicalAccess.js';
import { callerOf } from '../../kernel/index.js';

/** One access to the patient's record by someone else, as the audit trail recorded it. */
export interface RecordAccessEntry {
  at: string;
  action: string;
  outcome: string;
  /** Staff are named by role and display name; anything else (e.g. a system job) by role only. */
  actor: { role: string | null; displayName: string | null };
}

export const RECORD_ACCESS_MAX = 500;

/**
 * "Who viewed my record": accesses by others to the signed-in patient's record, newest
 * first, from the audit trail (patient_id = me). The patient's own accesses are left out;
 * staff appear with role and name (workforce identity is not the patient's PHI), other
 * patients never do. The lookup is itself audited.
 */
export async function listOwnRecordAccess(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: { limit: number },
): Promise<RecordAccessEntry[]> {
  const caller = callerOf(context);
  if (caller.role !== 'patient') {
    throw forbidden();
  }
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    const rows = await manager.query<
      { occurred_at: Date; action: string; outcome: string; actor_role: string | null; given_name: string | null; family_name: string | null; user_role: Role | null }[]
    >(
      `SELECT e.occurred_at, e.action, e.outcome, e.actor_role, u.given_name, u.family_name, u.role AS user_role
       FROM audit_events e
       LEFT JOIN users u ON u.practice_id = e.practice_id AND u.id = e.actor_user_id
       WHERE e.patient_id = $1 AND e.actor_user_id IS DISTINCT FROM $1
       ORDER BY e.occurred_at DESC, e.seq DESC LIMIT $2`,
      [caller.userId, input.limit],
    );
    await recordAudit(manager, caller.practiceId, context, {
      action: 'record_access.read',
      entityType: 'patient',
      entityId: caller.userId,
      patientId: caller.userId,
    });
    return rows.map((row) => {
      const isStaff = row.user_role !== null && STAFF_ROLES.includes(row.user_role);
      return {
        at: row.occurred_at.toISOString(),
        action: row.action,
        outcome: row.outcome,
        actor: {
          role: isStaff ? row.user_role : row.actor_role === 'patient' ? 'patient' : row.actor_role,
          displayName: isStaff ? `${row.given_name ?? ''} ${row.family_name ?? ''}`.trim() : null,
        },
      };
    });
  });
}

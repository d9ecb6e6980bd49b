import { STAFF_ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { badRequest, forbidden } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from './clinicalAccess.js';
import { callerOf } from '../../kernel/index.js';

/** Everything one person did with the patient's record on one day, as the audit trail recorded it. */
export interface RecordAccessGroup {
  /** The calendar day in the requested time zone (YYYY-MM-DD). */
  day: string;
  /** Last access of the group (ISO 8601), for ordering and "at 3:40 PM". */
  lastAt: string;
  /** Distinct actions, e.g. note.read; the client turns them into plain words. */
  actions: string[];
  count: number;
  /** Staff are named (workforce identity is not the patient's PHI); anyone else by role only. */
  actor: { role: string | null; displayName: string | null; credential: string | null };
}

export interface RecordAccessPage {
  groups: RecordAccessGroup[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export const RECORD_ACCESS_MAX = 100;

/**
 * Actions that are not a look at the record: room plumbing (tokens, end-to-end encryption
 * state, join/leave/admit) and sign-in events. They stay in the audit trail, but listing them
 * as "viewed your record" would tell the patient something untrue.
 */
const NOT_A_VIEW = ['room.%', 'auth.%'];

/**
 * "Who viewed my record": successful accesses by others to the signed-in patient's record,
 * grouped by person and day (in the patient's time zone), newest first, paged. The
 * patient's own accesses are left out; other patients never appear by name. Audited.
 */
export async function listOwnRecordAccess(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: { limit: number; cursor?: number | undefined; timeZone: string },
): Promise<RecordAccessPage> {
  const caller = callerOf(context);
  if (caller.role !== 'patient') {
    throw forbidden();
  }
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    const zones = await manager.query<unknown[]>('SELECT 1 FROM pg_timezone_names WHERE name = $1', [input.timeZone]);
    if (zones.length === 0) {
      throw badRequest('unknown_time_zone', 'Unknown time zone');
    }
    const offset = input.cursor ?? 0;
    const rows = await manager.query<
      {
        day: string;
        last_at: Date;
        actions: string[];
        count: string;
        actor_role: string | null;
        given_name: string | null;
        family_name: string | null;
        user_role: Role | null;
        credential: string | null;
      }[]
    >(
      `SELECT to_char((e.occurred_at AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS day, max(e.occurred_at) AS last_at,
              array_agg(DISTINCT e.action ORDER BY e.action) AS actions, count(*)::text AS count,
              max(e.actor_role) AS actor_role, u.given_name, u.family_name, u.role AS user_role, pp.credential
       FROM audit_events e
       LEFT JOIN users u ON u.practice_id = e.practice_id AND u.id = e.actor_user_id
       LEFT JOIN provider_profiles pp ON pp.practice_id = e.practice_id AND pp.user_id = e.actor_user_id
       WHERE e.patient_id = $1 AND e.actor_user_id IS DISTINCT FROM $1 AND e.outcome = 'success'
         AND e.action NOT LIKE ALL ($3::text[])
       GROUP BY e.actor_user_id, (e.occurred_at AT TIME ZONE $2)::date, u.given_name, u.family_name, u.role, pp.credential
       ORDER BY last_at DESC, e.actor_user_id LIMIT $4 OFFSET $5`,
      [caller.userId, input.timeZone, NOT_A_VIEW, input.limit + 1, offset],
    );
    await recordAudit(manager, caller.practiceId, context, {
      action: 'record_access.read',
      entityType: 'patient',
      entityId: caller.userId,
      patientId: caller.userId,
    });
    const page = rows.slice(0, input.limit);
    return {
      groups: page.map((row) => {
        const isStaff = row.user_role !== null && STAFF_ROLES.includes(row.user_role);
        return {
          day: row.day,
          lastAt: row.last_at.toISOString(),
          actions: row.actions,
          count: Number(row.count),
          actor: {
            role: isStaff ? row.user_role : row.actor_role === 'patient' ? 'patient' : row.actor_role,
            displayName: isStaff ? `${row.given_name ?? ''} ${row.family_name ?? ''}`.trim() : null,
            credential: isStaff ? row.credential : null,
          },
        };
      }),
      nextCursor: rows.length > input.limit ? String(offset + input.limit) : null,
    };
  });
}

import type { DataSource, EntityManager } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { AuditSearchQuery } from './auditQueries.js';
import { FILTER_KEYS, definedFilters } from './auditQueries.js';
import { callerOf } from '../../kernel/index.js';

/** One audit event as the compliance console shows it (entity references only, no PHI). */
export interface AuditEventView {
  id: string;
  seq: number;
  occurredAt: string;
  actorUserId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  patientId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown> | null;
}

/** A person named on a page of audit events (staff or patient), for the console. */
export interface AuditPerson {
  name: string;
  role: string;
}

export interface AuditSearchPage {
  events: AuditEventView[];
  /**
   * Names of the actors and patients on this page, by user id. Looking them up is a read of
   * identities, audited as audit.people_lookup (ids counted, never named, in the metadata).
   */
  people: Record<string, AuditPerson>;
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

interface EventRow {
  id: string;
  seq: string;
  occurred_at: Date;
  actor_user_id: string | null;
  actor_role: string | null;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  patient_id: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  metadata: Record<string, unknown> | null;
}

/** Names of everyone a page mentions, in one query; the lookup is itself audited. */
async function lookUpPeople(
  manager: EntityManager,
  practiceId: string,
  context: RequestContext,
  page: readonly EventRow[],
): Promise<Record<string, AuditPerson>> {
  const ids = new Set<string>();
  for (const row of page) {
    if (row.actor_user_id !== null) ids.add(row.actor_user_id);
    if (row.patient_id !== null) ids.add(row.patient_id);
  }
  const people: Record<string, AuditPerson> = {};
  if (ids.size === 0) return people;
  const rows = await manager.query<{ id: string; given_name: string; family_name: string; role: string }[]>(
    'SELECT id, given_name, family_name, role FROM users WHERE practice_id = $1 AND id = ANY($2::uuid[])',
    [practiceId, [...ids]],
  );
  for (const row of rows) people[row.id] = { name: `${row.given_name} ${row.family_name}`, role: row.role };
  await recordAudit(manager, practiceId, context, {
    action: 'audit.people_lookup',
    entityType: 'user',
    metadata: { purpose: 'audit_search', requested: ids.size, found: rows.length },
  });
  return people;
}

/** One patient matching a name search in the console's patient filter. */
export interface PatientMatch {
  id: string;
  name: string;
}

export const PATIENT_SEARCH_MAX = 20;

/**
 * Patients of the practice whose given or family name starts with `q` (case-insensitive),
 * for the console's patient filter. Audited as audit.people_lookup with the result count
 * only: the search text is a name (PHI) and never goes into the audit trail.
 */
export async function searchPatientsByName(
  dataSource: DataSource,
  context: RequestContext,
  q: string,
): Promise<PatientMatch[]> {
  const { practiceId } = callerOf(context);
  const prefix = `${q.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return withTenant(dataSource, practiceId, async (manager) => {
    const rows = await manager.query<{ id: string; given_name: string; family_name: string }[]>(
      `SELECT id, given_name, family_name FROM users
       WHERE practice_id = $1 AND role = 'patient'
         AND (lower(given_name) LIKE $2 OR lower(family_name) LIKE $2 OR lower(given_name || ' ' || family_name) LIKE $2)
       ORDER BY family_name, given_name, id LIMIT $3`,
      [practiceId, prefix, PATIENT_SEARCH_MAX],
    );
    await recordAudit(manager, practiceId, context, {
      action: 'audit.people_lookup',
      entityType: 'patient',
      metadata: { purpose: 'patient_filter', resultCount: rows.length },
    });
    return rows.map((row) => ({ id: row.id, name: `${row.given_name} ${row.family_name}` }));
  });
}

/**
 * Searches the practice's audit trail newest first with keyset pagination on seq (stable
 * while writers append; no OFFSET scans). The search itself is audited in the same
 * transaction, with its filters and result count as metadata.
 */
export async function searchAuditEvents(
  dataSource: DataSource,
  context: RequestContext,
  query: AuditSearchQuery,
): Promise<AuditSearchPage> {
  const { practiceId } = callerOf(context);
  const conditions = ['practice_id = $1'];
  const params: unknown[] = [practiceId];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (query.from !== undefined) add('occurred_at >= ?::timestamptz', query.from);
  if (query.to !== undefined) add('occurred_at < ?::timestamptz', query.to);
  if (query.patientId !== undefined) add('patient_id = ?::uuid', query.patientId);
  if (query.actorUserId !== undefined) add('actor_user_id = ?::uuid', query.actorUserId);
  if (query.action !== undefined) add('action = ?', query.action);
  if (query.outcome !== undefined) add('outcome = ?', query.outcome);
  if (query.cursor !== undefined) add('seq < ?::bigint', query.cursor);
  params.push(query.limit + 1);
  const sql = `SELECT id, seq::text AS seq, occurred_at, actor_user_id, actor_role, action, entity_type, entity_id,
                      patient_id, outcome, ip, user_agent, request_id, metadata
               FROM audit_events WHERE ${conditions.join(' AND ')}
               ORDER BY audit_events.seq DESC LIMIT $${params.length}`;

  return withTenant(dataSource, practiceId, async (manager) => {
    const rows = await manager.query<EventRow[]>(sql, params);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > query.limit && last !== undefined ? last.seq : null;
    await recordAudit(manager, practiceId, context, {
      action: 'audit.search',
      patientId: query.patientId ?? null,
      metadata: { ...definedFilters(query, FILTER_KEYS), resultCount: page.length, paged: query.cursor !== undefined },
    });
    const people = await lookUpPeople(manager, practiceId, context, page);
    return {
      people,
      events: page.map((row) => ({
        id: row.id,
        seq: Number(row.seq),
        occurredAt: row.occurred_at.toISOString(),
        actorUserId: row.actor_user_id,
        actorRole: row.actor_role,
        action: row.action,
        entityType: row.entity_type,
        entityId: row.entity_id,
        patientId: row.patient_id,
        outcome: row.outcome,
        ip: row.ip,
        userAgent: row.user_agent,
        requestId: row.request_id,
        metadata: row.metadata,
      })),
      nextCursor,
    };
  });
}

import { escapeLiteral } from 'pg';
import { CURRENT_TENANT_SQL } from '../db/appRole.js';

/**
 * Column positions of an audit row as selected by auditRowsSql, so the exporter and the
 * verifier can work on plain arrays (no per-row objects or Dates on the hot path).
 */
export const AUDIT_COLUMNS = {
  id: 0,
  seq: 1,
  occurredAt: 2,
  actorUserId: 3,
  actorRole: 4,
  action: 5,
  entityType: 6,
  entityId: 7,
  patientId: 8,
  outcome: 9,
  ip: 10,
  userAgent: 11,
  requestId: 12,
  metadata: 13,
  prevHash: 14,
  hash: 15,
} as const;

export const AUDIT_COLUMN_COUNT = 16;

/** Column names in AUDIT_COLUMNS order: the CSV header and the NDJSON keys use them. */
export const AUDIT_COLUMN_NAMES = [
  'id',
  'seq',
  'occurred_at',
  'actor_user_id',
  'actor_role',
  'action',
  'entity_type',
  'entity_id',
  'patient_id',
  'outcome',
  'ip',
  'user_agent',
  'request_id',
  'metadata',
  'prev_hash',
  'hash',
] as const;

/** Filters shared by search, export and their audit metadata. All values are pre-validated. */
export interface AuditRowFilters {
  /** Inclusive lower bound on occurred_at (ISO 8601 with offset). */
  from?: string | undefined;
  /** Exclusive upper bound on occurred_at. */
  to?: string | undefined;
  patientId?: string | undefined;
  actorUserId?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
}

export interface AuditRowsQuery {
  filters: AuditRowFilters;
  /** Only events up to this seq: fixes an export's extent while writers keep appending. */
  throughSeq?: string | undefined;
  /**
   * 'ms' gives exactly Date#toISOString text (what the writer hashed); 'us' keeps the
   * stored microseconds so the verifier notices a timestamp edited below a millisecond.
   */
  timePrecision: 'ms' | 'us';
}

const SEQ_TEXT = /^[1-9][0-9]{0,18}$/;

/**
 * `COPY (SELECT ...) TO STDOUT` cannot take bind parameters, so filter values become
 * literals. They are validated by zod before they get here and are quoted with
 * escapeLiteral anyway; the tenant still comes from the row-level security setting.
 */
export function auditRowsSql({ filters, throughSeq, timePrecision }: AuditRowsQuery): string {
  const conditions = [`practice_id = ${CURRENT_TENANT_SQL}`];
  if (filters.from !== undefined) conditions.push(`occurred_at >= ${escapeLiteral(filters.from)}::timestamptz`);
  if (filters.to !== undefined) conditions.push(`occurred_at < ${escapeLiteral(filters.to)}::timestamptz`);
  if (filters.patientId !== undefined) conditions.push(`patient_id = ${escapeLiteral(filters.patientId)}::uuid`);
  if (filters.actorUserId !== undefined) conditions.push(`actor_user_id = ${escapeLiteral(filters.actorUserId)}::uuid`);
  if (filters.action !== undefined) conditions.push(`action = ${escapeLiteral(filters.action)}`);
  if (filters.outcome !== undefined) conditions.push(`outcome = ${escapeLiteral(filters.outcome)}`);
  if (throughSeq !== undefined) {
    if (!SEQ_TEXT.test(throughSeq)) {
      throw new Error('throughSeq must be a positive integer');
    }
    conditions.push(`seq <= ${throughSeq}`);
  }
  // to_char renders the ISO 8601 form JavaScript's Date#toISOString produces, so rows are
  // hashed and exported without building a Date per row.
  const fraction = timePrecision === 'ms' ? 'MS' : 'US';
  return `SELECT id, seq,
      to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${fraction}"Z"'),
      actor_user_id, actor_role, action, entity_type, entity_id, patient_id, outcome, ip,
      user_agent, request_id, metadata, prev_hash, hash
    FROM audit_events
    WHERE ${conditions.join(' AND ')}
    ORDER BY seq`;
}

/** auditRowsSql wrapped for streaming as COPY text format (the exporter and verifier read this). */
export function auditRowsCopySql(query: AuditRowsQuery): string {
  return `COPY (${auditRowsSql(query)}) TO STDOUT`;
}

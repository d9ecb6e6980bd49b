import type { AuditAction, AuditOutcome } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../http/requestContext.js';
import { GENESIS_HASH, chainHash } from './chainHash.js';

/** What a data-access function says about the access it is performing. */
export interface AuditEntry {
  action: AuditAction;
  outcome?: AuditOutcome;
  entityType?: string;
  entityId?: string;
  patientId?: string | null;
  /** Overrides the actor from the request (e.g. a failed login names the targeted user). */
  actorUserId?: string | null;
  actorRole?: string | null;
}

const MAX_USER_AGENT = 512;

/**
 * Appends one event to the practice's hash chain using the caller's transaction
 * (house style rule 5): if the access rolls back, so does its audit event, and an audit
 * failure fails the access. The chain head row lock serialises appends per practice.
 */
export async function recordAudit(
  manager: EntityManager,
  practiceId: string,
  context: RequestContext,
  entry: AuditEntry,
): Promise<void> {
  const heads = await manager.query<{ last_seq: string; last_hash: string }[]>(
    `INSERT INTO audit_chain_heads (practice_id, last_seq, last_hash) VALUES ($1, 1, $2)
     ON CONFLICT (practice_id) DO UPDATE SET last_seq = audit_chain_heads.last_seq + 1
     RETURNING last_seq, last_hash`,
    [practiceId, GENESIS_HASH],
  );
  const head = heads[0];
  if (head === undefined) {
    throw new Error('audit chain head missing after upsert');
  }
  const fields = {
    practiceId,
    seq: Number(head.last_seq),
    occurredAt: new Date(),
    actorUserId: entry.actorUserId !== undefined ? entry.actorUserId : (context.auth?.userId ?? null),
    actorRole: entry.actorRole !== undefined ? entry.actorRole : (context.auth?.role ?? null),
    action: entry.action,
    entityType: entry.entityType ?? null,
    entityId: entry.entityId ?? null,
    patientId: entry.patientId ?? null,
    outcome: entry.outcome ?? 'success',
    ip: context.ip,
    userAgent: context.userAgent === null ? null : context.userAgent.slice(0, MAX_USER_AGENT),
    requestId: context.requestId,
  };
  const hash = chainHash(head.last_hash, fields);
  await manager.query(
    `WITH appended AS (
       INSERT INTO audit_events (practice_id, seq, occurred_at, actor_user_id, actor_role, action,
         entity_type, entity_id, patient_id, outcome, ip, user_agent, request_id, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     )
     UPDATE audit_chain_heads SET last_hash = $15 WHERE practice_id = $1`,
    [
      fields.practiceId,
      fields.seq,
      fields.occurredAt,
      fields.actorUserId,
      fields.actorRole,
      fields.action,
      fields.entityType,
      fields.entityId,
      fields.patientId,
      fields.outcome,
      fields.ip,
      fields.userAgent,
      fields.requestId,
      head.last_hash,
      hash,
    ],
  );
}

import type { AuditAction, AuditOutcome } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../http/requestContext.js';
import type { AuditMetadata } from './auditMetadata.js';
import { assertValidMetadata } from './auditMetadata.js';
import { GENESIS_HASH, chainHash } from './chainHash.js';
import { MerkleFrontier, leafHashOfChainHash } from './merkleTree.js';

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
  /** Non-PHI facts about the access (filters, counts); hashed into the chain with the rest. */
  metadata?: AuditMetadata | null;
}

const MAX_USER_AGENT = 512;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text exactly as PostgreSQL will give it back. A lone UTF-16 surrogate (e.g. from cutting
 * a string mid-pair) is stored as U+FFFD, so hashing the original would make the verifier
 * report a tampered row that nobody touched.
 */
function storable(text: string | null): string | null {
  return text === null ? null : text.replace(LONE_SURROGATE, '\uFFFD');
}

/** PostgreSQL returns uuids in lower case; hash them the way they will be read back. */
function uuidText(id: string | null): string | null {
  return id === null ? null : id.toLowerCase();
}

/**
 * Appends one event to the practice's hash chain using the caller's transaction
 * (house rule 5, docs/house-rules.md): if the access rolls back, so does its audit event, and an audit
 * failure fails the access. The chain head row lock serialises appends per practice.
 * The same UPDATE moves the practice's RFC 9162 Merkle frontier (O(log n) hashes), so
 * the chain tip and the tree head can never disagree.
 */
export async function recordAudit(
  manager: EntityManager,
  practiceId: string,
  context: RequestContext,
  entry: AuditEntry,
): Promise<void> {
  const heads = await manager.query<{ last_seq: string; last_hash: string; tree_frontier: Buffer }[]>(
    `INSERT INTO audit_chain_heads (practice_id, last_seq, last_hash) VALUES ($1, 1, $2)
     ON CONFLICT (practice_id) DO UPDATE SET last_seq = audit_chain_heads.last_seq + 1
     RETURNING last_seq, last_hash, tree_frontier`,
    [practiceId, GENESIS_HASH],
  );
  const head = heads[0];
  if (head === undefined) {
    throw new Error('audit chain head missing after upsert');
  }
  const metadata = entry.metadata ?? null;
  if (metadata !== null) {
    assertValidMetadata(metadata);
  }
  const fields = {
    practiceId: practiceId.toLowerCase(),
    seq: Number(head.last_seq),
    occurredAt: new Date(),
    actorUserId: uuidText(entry.actorUserId !== undefined ? entry.actorUserId : (context.auth?.userId ?? null)),
    actorRole: storable(entry.actorRole !== undefined ? entry.actorRole : (context.auth?.role ?? null)),
    action: entry.action,
    entityType: storable(entry.entityType ?? null),
    entityId: storable(entry.entityId ?? null),
    patientId: uuidText(entry.patientId ?? null),
    outcome: entry.outcome ?? 'success',
    ip: storable(context.ip),
    userAgent: storable(context.userAgent === null ? null : context.userAgent.slice(0, MAX_USER_AGENT)),
    requestId: storable(context.requestId),
    metadata,
  };
  const hash = chainHash(head.last_hash, fields);
  // The frontier still describes the tree before this event (size seq - 1).
  const frontier = MerkleFrontier.decode(fields.seq - 1, head.tree_frontier);
  frontier.append(leafHashOfChainHash(hash));
  await manager.query(
    `WITH appended AS (
       INSERT INTO audit_events (practice_id, seq, occurred_at, actor_user_id, actor_role, action,
         entity_type, entity_id, patient_id, outcome, ip, user_agent, request_id, prev_hash, hash, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     )
     UPDATE audit_chain_heads SET last_hash = $15, tree_frontier = $17 WHERE practice_id = $1`,
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
      metadata === null ? null : JSON.stringify(metadata),
      frontier.encode(),
    ],
  );
}

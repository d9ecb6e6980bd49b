import { createHash } from 'node:crypto';

/** prev_hash of the first event in every practice's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit event that the hash chain protects. */
export interface ChainedAuditFields {
  practiceId: string;
  seq: number;
  occurredAt: Date;
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
}

/**
 * SHA-256 (FIPS 180-4) over the previous hash and a canonical JSON array of the fields in
 * a fixed order. A JSON array is unambiguous (no delimiter collisions) and needs no key
 * sorting; the writer and every verifier must use this one function.
 */
export function chainHash(prevHash: string, event: ChainedAuditFields): string {
  const canonical = JSON.stringify([
    prevHash,
    event.practiceId,
    String(event.seq),
    event.occurredAt.toISOString(),
    event.actorUserId,
    event.actorRole,
    event.action,
    event.entityType,
    event.entityId,
    event.patientId,
    event.outcome,
    event.ip,
    event.userAgent,
    event.requestId,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

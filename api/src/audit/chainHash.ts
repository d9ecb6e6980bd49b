import { hash } from 'node:crypto';
import type { AuditMetadata } from './auditMetadata.js';
import { canonicalMetadata } from './auditMetadata.js';

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
  metadata?: AuditMetadata | null;
}

/**
 * The same fields as stored text, the way a verifier reads them back from PostgreSQL:
 * `seq` as its decimal text, `occurredAt` as the ISO 8601 text Date#toISOString makes,
 * metadata already in canonical form. Verifiers hash rows without building Dates.
 */
export interface ChainedAuditText {
  practiceId: string;
  seq: string;
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
  canonicalMetadata: string | null;
}

/**
 * SHA-256 (FIPS 180-4) over the previous hash and a canonical JSON array of the fields in
 * a fixed order. A JSON array is unambiguous (no delimiter collisions) and needs no key
 * sorting; the writer and every verifier must use this one function.
 */
export function chainHashOfText(prevHash: string, event: ChainedAuditText): string {
  const canonical = JSON.stringify([
    prevHash,
    event.practiceId,
    event.seq,
    event.occurredAt,
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
    event.canonicalMetadata,
  ]);
  // One-shot hash (UTF-8 of the string, as Hash#update would): no Hash object per event.
  return hash('sha256', canonical, 'hex');
}

/** chainHashOfText for an event as the writer holds it. */
export function chainHash(prevHash: string, event: ChainedAuditFields): string {
  return chainHashOfText(prevHash, {
    practiceId: event.practiceId,
    seq: String(event.seq),
    occurredAt: event.occurredAt.toISOString(),
    actorUserId: event.actorUserId,
    actorRole: event.actorRole,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    patientId: event.patientId,
    outcome: event.outcome,
    ip: event.ip,
    userAgent: event.userAgent,
    requestId: event.requestId,
    canonicalMetadata: canonicalMetadata(event.metadata ?? null),
  });
}

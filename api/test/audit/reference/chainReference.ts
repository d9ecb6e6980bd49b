/**
 * The chain verifier's recomputation as it was before chainRowHash.ts: every column decoded
 * into a string, metadata parsed and re-canonicalized, then chainHashOfText. Kept only as
 * the tests' oracle for the byte-string hasher.
 */
import type { AuditMetadata } from '../../../src/audit/auditMetadata.js';
import { canonicalMetadata } from '../../../src/audit/auditMetadata.js';
import { AUDIT_COLUMNS as C } from '../../../src/audit/auditRowQuery.js';
import { chainHashOfText } from '../../../src/audit/chainHash.js';

function millisecondTime(text: string | null): string | null {
  return text !== null && text.length === 27 && text.endsWith('000Z') ? `${text.slice(0, 23)}Z` : null;
}

function canonicalOf(stored: string | null): string | null | undefined {
  if (stored === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return canonicalMetadata(parsed as AuditMetadata);
}

/** Recomputes one decoded row's hash; null when a column cannot be what the writer stored. */
export function referenceRowHash(row: readonly (string | null)[], practiceId: string, prevHash: string): string | null {
  const time = millisecondTime(row[C.occurredAt] ?? null);
  const metadata = canonicalOf(row[C.metadata] ?? null);
  const seq = row[C.seq] ?? null;
  const action = row[C.action] ?? null;
  const outcome = row[C.outcome] ?? null;
  if (time === null || metadata === undefined || seq === null || action === null || outcome === null) return null;
  return chainHashOfText(prevHash, {
    practiceId,
    seq,
    occurredAt: time,
    actorUserId: row[C.actorUserId] ?? null,
    actorRole: row[C.actorRole] ?? null,
    action,
    entityType: row[C.entityType] ?? null,
    entityId: row[C.entityId] ?? null,
    patientId: row[C.patientId] ?? null,
    outcome,
    ip: row[C.ip] ?? null,
    userAgent: row[C.userAgent] ?? null,
    requestId: row[C.requestId] ?? null,
    canonicalMetadata: metadata,
  });
}

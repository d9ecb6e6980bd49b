import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { EXPORT_FORMATTERS } from '../../audit/exportFormats.js';
import type { ExportFormatter } from '../../audit/exportFormats.js';
import type { ExportManifest, ManifestSigner } from '../../audit/exportManifest.js';
import { openAuditExportStream, poolOf } from '../../audit/exportStream.js';
import type { ExportOutcome } from '../../audit/exportStream.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { notFound } from '../../errors.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import type { CheckpointDeps, SignedCheckpoint } from './auditCheckpointService.js';
import { signLockedTreeHead, witness } from './auditCheckpointService.js';
import type { AuditExportQuery } from './auditQueries.js';
import { FILTER_KEYS, definedFilters } from './auditQueries.js';
import { callerOf } from '../../kernel/index.js';

export interface AuditExportDeps {
  dataSource: DataSource;
  signer: ManifestSigner;
  logger: Logger;
  /** Signs the tree head each export is cut at and appends it to the witness. */
  checkpoints: CheckpointDeps;
}

export interface StartedExport {
  exportId: string;
  formatter: ExportFormatter;
  /** The export body; nothing is buffered beyond one network chunk. */
  stream: Readable;
  /**
   * The compact JWS of the manifest, once the stream has ended and the manifest is stored.
   * Rejects when it could not be stored (the response then ends without the trailer).
   */
  manifestJws: Promise<string>;
}

/**
 * Records the export and fixes its extent in one short transaction, committed before the
 * first byte leaves: a disclosure can never happen without a durable audit.export event
 * (a long transaction would hold the practice's chain head lock for the whole download,
 * or lose the event if the process died mid-stream). The rows then stream from a
 * read-only snapshot bounded by that event's seq, so the export contains exactly the
 * events up to and including its own audit record, however many are appended meanwhile.
 */
async function recordExportStart(
  dataSource: DataSource,
  checkpoints: CheckpointDeps,
  context: RequestContext,
  auth: AuthContext,
  exportId: string,
  query: AuditExportQuery,
  filters: Record<string, string>,
): Promise<SignedCheckpoint> {
  return withTenant(dataSource, auth.practiceId, async (manager) => {
    await recordAudit(manager, auth.practiceId, context, {
      action: 'audit.export',
      entityType: 'audit_export',
      entityId: exportId,
      patientId: query.patientId ?? null,
      metadata: { format: query.format, ...filters },
    });
    // The head row is locked by this transaction, so the tree head ends with our own event.
    return signLockedTreeHead(manager, checkpoints.signer, auth.practiceId);
  });
}

async function storeManifest(deps: AuditExportDeps, manifest: ExportManifest): Promise<string> {
  const jws = await deps.signer.sign(manifest);
  await withTenant(deps.dataSource, manifest.practiceId, (manager) =>
    manager.query(
      `INSERT INTO audit_exports (id, practice_id, requested_by, format, filters, through_seq, completed, row_count,
                                  byte_count, sha256, first_seq, last_seq, started_at, generated_at, manifest, jws)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        manifest.exportId,
        manifest.practiceId,
        manifest.requestedBy,
        manifest.format,
        JSON.stringify(manifest.filters),
        manifest.throughSeq,
        manifest.completed,
        manifest.rowCount,
        manifest.byteCount,
        manifest.sha256,
        manifest.firstSeq,
        manifest.lastSeq,
        manifest.startedAt,
        manifest.generatedAt,
        JSON.stringify(manifest),
        jws,
      ],
    ),
  );
  return jws;
}

/**
 * Starts a streamed audit export (CSV, NDJSON or FHIR R4 Bundle). When the stream ends, or
 * is abandoned, a manifest (row count, SHA-256 of the exact bytes, first/last seq, filters)
 * is signed as a JWS and stored; an abandoned export's manifest says completed: false.
 */
export async function startAuditExport(
  deps: AuditExportDeps,
  context: RequestContext,
  query: AuditExportQuery,
): Promise<StartedExport> {
  const auth = callerOf(context);
  const exportId = randomUUID();
  const filters = definedFilters(query, FILTER_KEYS);
  const startedAt = new Date().toISOString();
  const cut = await recordExportStart(deps.dataSource, deps.checkpoints, context, auth, exportId, query, filters);
  await witness(deps.checkpoints, auth.practiceId, cut.checkpoint);
  const throughSeq = String(cut.treeHead.tree_size);
  const formatter = EXPORT_FORMATTERS[query.format];
  const running = await openAuditExportStream(
    poolOf(deps.dataSource),
    auth.practiceId,
    { filters: query, throughSeq, timePrecision: 'ms' },
    formatter,
    { exportId, practiceId: auth.practiceId, startedAt },
  );

  const manifestJws = running.outcome.then(({ completed, digest }: ExportOutcome) =>
    storeManifest(deps, {
      exportId,
      practiceId: auth.practiceId,
      requestedBy: auth.userId,
      format: query.format,
      filters,
      throughSeq: Number(throughSeq),
      completed,
      rowCount: digest.rowCount,
      byteCount: digest.byteCount,
      sha256: digest.sha256,
      firstSeq: digest.firstSeq,
      lastSeq: digest.lastSeq,
      startedAt,
      generatedAt: new Date().toISOString(),
      treeHead: cut.checkpoint,
    }),
  );
  // Nobody awaits the manifest when the client went away; failures are still reported.
  manifestJws.catch((error: unknown) => {
    const typed = error as { name?: unknown; code?: unknown };
    deps.logger.error({ type: typed.name, dbCode: typed.code, exportId }, 'audit export manifest not stored');
  });
  return { exportId, formatter, stream: running.stream, manifestJws };
}

export interface StoredManifest {
  exportId: string;
  completed: boolean;
  manifest: ExportManifest;
  /** Compact JWS over the manifest (ES256, kid of the API signing key). */
  jws: string;
}

/** A stored export manifest of the caller's practice; reading it is audited. */
export async function getExportManifest(
  dataSource: DataSource,
  context: RequestContext,
  exportId: string,
): Promise<StoredManifest> {
  const { practiceId } = callerOf(context);
  return withTenant(dataSource, practiceId, async (manager) => {
    const rows = await manager.query<{ completed: boolean; manifest: ExportManifest; jws: string }[]>(
      'SELECT completed, manifest, jws FROM audit_exports WHERE id = $1',
      [exportId],
    );
    const row = rows[0];
    if (row === undefined) {
      throw notFound('export_manifest_not_found', 'No manifest for this export (unknown id, or still streaming)');
    }
    await recordAudit(manager, practiceId, context, {
      action: 'audit.export_manifest_read',
      entityType: 'audit_export',
      entityId: exportId,
      patientId: row.manifest.filters.patientId ?? null,
    });
    return { exportId, completed: row.completed, manifest: row.manifest, jws: row.jws };
  });
}

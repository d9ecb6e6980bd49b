import type { Role } from '@medspa/shared-types';
import { createAuditJwsSigner, createManifestSigner } from '../../audit/exportManifest.js';
import type { AuditJwsSigner, ManifestSigner } from '../../audit/exportManifest.js';
import { AppError } from '../../errors.js';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import {
  auditExportQuerySchema,
  auditSearchQuerySchema,
  consistencyQuerySchema,
  exportIdParamsSchema,
  inclusionParamsSchema,
  inclusionQuerySchema,
  patientSearchQuerySchema,
} from './auditQueries.js';
import type { CheckpointDeps } from './auditCheckpointService.js';
import { getConsistencyProof, getInclusionProof, issueCheckpoint, startPeriodicWitness } from './auditCheckpointService.js';
import { getExportManifest, startAuditExport } from './auditExportService.js';
import { searchAuditEvents, searchPatientsByName } from './auditSearchService.js';
import { verifyAuditChain } from './auditVerifyService.js';

/** Who reads the audit trail: compliance officers only (it names patients and staff). */
const AUDIT_READERS: readonly Role[] = ['compliance_officer'];

/**
 * Who may check the chain's integrity: compliance officers, and practice admins, who run
 * the system and must learn of tampering; the result names at most one event id.
 */
const CHAIN_VERIFIERS: readonly Role[] = ['compliance_officer', 'admin'];

/**
 * Exports streaming at once (per process, or per deployment with Redis). Each holds a pooled
 * database connection for its whole download (a slow client can take minutes), so an
 * unbounded number could take every connection from the requests clinicians are waiting on.
 */
export const MAX_CONCURRENT_EXPORTS = 2;
/** A slot held longer than this (a crashed instance never released it) frees itself. */
const EXPORT_SLOT_HOLD_MS = 30 * 60_000;

/** HTTP trailer carrying the export's signed manifest (compact JWS). */
export const EXPORT_MANIFEST_TRAILER = 'X-Export-Manifest';

/** Audit trail: search, integrity verification and streamed, signed exports. */
export function auditRoutes({ dataSource, config, logger, lifecycle, coordination }: ApiServices): RouteSpec[] {
  let signer: Promise<ManifestSigner> | undefined;
  const manifestSigner = (): Promise<ManifestSigner> => (signer ??= createManifestSigner(config.AUTH_SIGNING_JWK));
  const jwsSigner: Promise<AuditJwsSigner> = createAuditJwsSigner(config.AUTH_SIGNING_JWK);
  // A bad key is reported by the first request that needs it, like the manifest signer.
  jwsSigner.catch(() => undefined);
  const checkpointDeps = async (): Promise<CheckpointDeps> => ({
    dataSource,
    signer: await jwsSigner,
    witnessDir: config.AUDIT_WITNESS_DIR,
    logger,
  });
  void jwsSigner.then((ready) => {
    startPeriodicWitness(
      { dataSource, signer: ready, witnessDir: config.AUDIT_WITNESS_DIR, logger },
      config.AUDIT_CHECKPOINT_INTERVAL_SECONDS,
      () => lifecycle.shuttingDown,
    );
  }, () => undefined);

  return [
    defineRoute({
      method: 'get',
      path: '/v1/audit/events',
      access: AUDIT_READERS,
      summary: 'Search audit events (newest first, keyset pagination); audited as audit.search',
      query: auditSearchQuerySchema,
      handle: async ({ query, context }) => ({ body: await searchAuditEvents(dataSource, context, query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/verify',
      access: CHAIN_VERIFIERS,
      summary: "Verify the practice's audit hash chain and name the first broken link; audited as audit.verify",
      handle: async ({ context }) => ({ body: await verifyAuditChain(dataSource, context) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/exports',
      access: AUDIT_READERS,
      summary:
        'Stream an audit export (csv, ndjson or fhir); X-Export-Id header up front, signed manifest in the X-Export-Manifest trailer',
      query: auditExportQuerySchema,
      handle: async ({ query, context }) => {
        const release = await coordination.acquireSlot('audit-export', MAX_CONCURRENT_EXPORTS, EXPORT_SLOT_HOLD_MS);
        if (release === false) {
          throw new AppError(429, 'export_capacity_reached', 'Other audit exports are running; retry shortly');
        }
        let started;
        try {
          started = await startAuditExport(
            { dataSource, signer: await manifestSigner(), logger, checkpoints: await checkpointDeps() },
            context,
            query,
          );
        } catch (error) {
          await release();
          throw error;
        }
        // The slot frees when the stream is over (completed or abandoned) and its manifest settled.
        void started.manifestJws.then(release, release).catch(() => undefined);
        return {
          headers: {
            'Content-Type': started.formatter.contentType,
            'Content-Disposition': `attachment; filename="audit-export-${started.exportId}.${started.formatter.fileExtension}"`,
            'X-Export-Id': started.exportId,
            Trailer: EXPORT_MANIFEST_TRAILER,
          },
          stream: started.stream,
          trailers: async () => ({ [EXPORT_MANIFEST_TRAILER]: await started.manifestJws }),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/exports/:exportId/manifest',
      access: AUDIT_READERS,
      summary: "An export's signed manifest (row count, SHA-256 of the bytes, seq range, filters)",
      params: exportIdParamsSchema,
      handle: async ({ params, context }) => ({ body: await getExportManifest(dataSource, context, params.exportId) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/patients',
      access: AUDIT_READERS,
      summary: "Patients whose name starts with q, for the console's patient filter; audited (count only)",
      query: patientSearchQuerySchema,
      handle: async ({ query, context }) => ({ body: { patients: await searchPatientsByName(dataSource, context, query.q) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/checkpoint',
      access: CHAIN_VERIFIERS,
      summary: "Signed tree head of the practice's audit Merkle tree (ES256 JWS, RFC 9162 hashing); audited, witnessed",
      handle: async ({ context }) => ({ body: await issueCheckpoint(await checkpointDeps(), context) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/events/:seq/inclusion-proof',
      access: CHAIN_VERIFIERS,
      summary: 'RFC 9162 inclusion proof of one audit event in the tree of treeSize events (default: current)',
      params: inclusionParamsSchema,
      query: inclusionQuerySchema,
      handle: async ({ params, query, context }) => ({
        body: await getInclusionProof(dataSource, context, params.seq, query.treeSize),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/consistency-proof',
      access: CHAIN_VERIFIERS,
      summary: 'RFC 9162 consistency proof that the tree of `from` events is a prefix of the tree of `to` events',
      query: consistencyQuerySchema,
      handle: async ({ query, context }) => ({
        body: await getConsistencyProof(dataSource, context, query.from, query.to),
      }),
    }),
  ];
}

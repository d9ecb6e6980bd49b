import type { Role } from '@medspa/shared-types';
import { createManifestSigner } from '../../audit/exportManifest.js';
import type { ManifestSigner } from '../../audit/exportManifest.js';
import { defineRoute } from '../../http/route.js';
import type { RouteSpec } from '../../http/route.js';
import type { ApiServices } from '../../services.js';
import { auditExportQuerySchema, auditSearchQuerySchema, exportIdParamsSchema } from './auditQueries.js';
import { getExportManifest, startAuditExport } from './auditExportService.js';
import { searchAuditEvents } from './auditSearchService.js';
import { verifyAuditChain } from './auditVerifyService.js';

/** Who reads the audit trail: compliance officers only (it names patients and staff). */
const AUDIT_READERS: readonly Role[] = ['compliance_officer'];

/**
 * Who may check the chain's integrity: compliance officers, and practice admins, who run
 * the system and must learn of tampering; the result names at most one event id.
 */
const CHAIN_VERIFIERS: readonly Role[] = ['compliance_officer', 'admin'];

/** HTTP trailer carrying the export's signed manifest (compact JWS). */
export const EXPORT_MANIFEST_TRAILER = 'X-Export-Manifest';

/** Audit trail: search, integrity verification and streamed, signed exports. */
export function auditRoutes({ dataSource, config, logger }: ApiServices): RouteSpec[] {
  let signer: Promise<ManifestSigner> | undefined;
  const manifestSigner = (): Promise<ManifestSigner> => (signer ??= createManifestSigner(config.AUTH_SIGNING_JWK));

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
        const started = await startAuditExport({ dataSource, signer: await manifestSigner(), logger }, context, query);
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
  ];
}

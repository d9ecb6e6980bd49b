import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { AppError, conflict, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { documentTextSchema, labelSchema } from '../scheduling/inputSchemas.js';
import { callerOf } from '../../kernel/index.js';

/** Telehealth consent is a separate document from treatment consent (docs/product.md "Patients"). */
export const CONSENT_KINDS = ['telehealth', 'treatment'] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];
export const consentKindSchema = z.enum(CONSENT_KINDS);

/** Roles that author and publish consent documents. */
export const CONSENT_AUTHORS = ['admin', 'medical_director', 'compliance_officer'] as const;

/** Roles that may see any patient's consent status (the patient sees their own). */
export const CONSENT_STATUS_READERS = ['admin', 'front_desk', 'injector', 'medical_director', 'compliance_officer'] as const;

export const consentDraftSchema = z.strictObject({
  kind: consentKindSchema,
  title: labelSchema(200),
  body: documentTextSchema(100_000),
});
export type ConsentDraftInput = z.infer<typeof consentDraftSchema>;

export const consentDraftUpdateSchema = z.strictObject({
  title: labelSchema(200),
  body: documentTextSchema(100_000),
});
export type ConsentDraftUpdate = z.infer<typeof consentDraftUpdateSchema>;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256');

export const signatureInputSchema = z.strictObject({
  /** The typed name that is the signature (ESIGN Act, 15 U.S.C. 7006(5): a symbol adopted to sign). */
  signatureName: labelSchema(200),
  /** SHA-256 of the body the patient was shown, so a signature cannot attach to other text. */
  documentSha256: sha256Hex,
});
export type SignatureInput = z.infer<typeof signatureInputSchema>;

export interface ConsentDocument {
  id: string;
  kind: ConsentKind;
  version: number;
  title: string;
  body: string;
  bodySha256: string;
  createdAt: string;
  publishedAt: string | null;
}

interface DocumentRow {
  id: string;
  kind: ConsentKind;
  version: number;
  title: string;
  body: string;
  body_sha256: string;
  created_at: Date;
  published_at: Date | null;
}

const DOCUMENT_COLUMNS = 'id, kind, version, title, body, body_sha256, created_at, published_at';

function toDocument(row: DocumentRow): ConsentDocument {
  return {
    id: row.id,
    kind: row.kind,
    version: row.version,
    title: row.title,
    body: row.body,
    bodySha256: row.body_sha256,
    createdAt: row.created_at.toISOString(),
    publishedAt: row.published_at === null ? null : row.published_at.toISOString(),
  };
}

/** SHA-256 (FIPS 180-4) of the document body as UTF-8: what a signature binds to. */
export function bodyDigest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * Creates the next version of a document kind as an unpublished draft. Versions are
 * numbered per practice and kind; the advisory lock keeps two concurrent drafts from
 * racing for the same number (the unique constraint would otherwise turn it into a 500).
 */
export async function createConsentDraft(
  manager: EntityManager,
  context: RequestContext,
  input: ConsentDraftInput,
): Promise<ConsentDocument> {
  const caller = callerOf(context);
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`consent:${caller.practiceId}:${input.kind}`]);
  const rows = await manager.query<DocumentRow[]>(
    `INSERT INTO consent_documents (practice_id, kind, version, title, body, body_sha256, created_by)
     SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6 FROM consent_documents WHERE kind = $2
     RETURNING ${DOCUMENT_COLUMNS}`,
    [caller.practiceId, input.kind, input.title, input.body, bodyDigest(input.body), caller.userId],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('insert returned no row');
  return toDocument(row);
}

async function lockDocument(manager: EntityManager, documentId: string): Promise<DocumentRow> {
  const rows = await manager.query<DocumentRow[]>(`SELECT ${DOCUMENT_COLUMNS} FROM consent_documents WHERE id = $1 FOR UPDATE`, [
    documentId,
  ]);
  const row = rows[0];
  if (row === undefined) throw notFound('consent_document_not_found', 'No such consent document');
  return row;
}

/** Edits a draft; published documents are immutable (the database refuses too). */
export async function updateConsentDraft(manager: EntityManager, documentId: string, input: ConsentDraftUpdate): Promise<ConsentDocument> {
  const current = await lockDocument(manager, documentId);
  if (current.published_at !== null) throw conflict('consent_document_published', 'Published documents cannot change; create a new version');
  const result = await manager.query<[DocumentRow[], number]>(
    `UPDATE consent_documents SET title = $2, body = $3, body_sha256 = $4 WHERE id = $1 RETURNING ${DOCUMENT_COLUMNS}`,
    [documentId, input.title, input.body, bodyDigest(input.body)],
  );
  const row = result[0][0];
  if (row === undefined) throw notFound('consent_document_not_found', 'No such consent document');
  return toDocument(row);
}

/**
 * Publishes a draft. From then on it is the version patients must have signed, as long as
 * no later version of the same kind is published.
 */
export async function publishConsentDocument(manager: EntityManager, context: RequestContext, documentId: string): Promise<ConsentDocument> {
  const current = await lockDocument(manager, documentId);
  if (current.published_at !== null) throw conflict('consent_document_published', 'Document is already published');
  const newer = await manager.query<{ version: number }[]>(
    `SELECT version FROM consent_documents WHERE kind = $1 AND version > $2 AND published_at IS NOT NULL LIMIT 1`,
    [current.kind, current.version],
  );
  if (newer.length > 0) throw conflict('newer_version_published', 'A later version of this document is already published');
  const result = await manager.query<[DocumentRow[], number]>(
    `UPDATE consent_documents SET published_at = now() WHERE id = $1 RETURNING ${DOCUMENT_COLUMNS}`,
    [documentId],
  );
  const row = result[0][0];
  if (row === undefined) throw notFound('consent_document_not_found', 'No such consent document');
  // A governance change: what patients are asked to agree to from now on.
  await recordAudit(manager, callerOf(context).practiceId, context, {
    action: 'consent_document.publish',
    entityType: 'consent_document',
    entityId: row.id,
    metadata: { kind: row.kind, version: row.version, body_sha256: row.body_sha256 },
  });
  return toDocument(row);
}

/** Every version, drafts included (authors' view). */
export async function listConsentDocuments(manager: EntityManager, kind: ConsentKind | undefined): Promise<ConsentDocument[]> {
  const rows = await manager.query<DocumentRow[]>(
    `SELECT ${DOCUMENT_COLUMNS} FROM consent_documents WHERE ($1::text IS NULL OR kind = $1) ORDER BY kind, version DESC`,
    [kind ?? null],
  );
  return rows.map(toDocument);
}

/** The latest published version of a kind, or 404 when none is published yet. */
export async function currentConsentDocument(manager: EntityManager, kind: ConsentKind): Promise<ConsentDocument> {
  const rows = await manager.query<DocumentRow[]>(
    `SELECT ${DOCUMENT_COLUMNS} FROM consent_documents WHERE kind = $1 AND published_at IS NOT NULL ORDER BY version DESC LIMIT 1`,
    [kind],
  );
  const row = rows[0];
  if (row === undefined) throw notFound('no_published_consent', 'No version of this consent is published');
  return toDocument(row);
}

export interface ConsentSignature {
  id: string;
  documentId: string;
  kind: ConsentKind;
  version: number;
  signedAt: string;
}

/**
 * The patient e-signs a published document. Kept with it: the document version and digest,
 * the typed name, time, IP and user agent (the evidence an e-signature needs). The typed
 * name is PHI: it is stored, never logged or audited.
 */
export async function signConsent(
  manager: EntityManager,
  context: RequestContext,
  documentId: string,
  input: SignatureInput,
): Promise<ConsentSignature> {
  const caller = callerOf(context);
  if (caller.role !== 'patient') throw forbidden('patients_only', 'Only the patient signs their consent');
  const documents = await manager.query<DocumentRow[]>(`SELECT ${DOCUMENT_COLUMNS} FROM consent_documents WHERE id = $1`, [documentId]);
  const document = documents[0];
  if (document === undefined || document.published_at === null) throw notFound('consent_document_not_found', 'No such published consent document');
  if (document.body_sha256 !== input.documentSha256) {
    throw conflict('document_digest_mismatch', 'The document you were shown is not this version');
  }
  const rows = await manager.query<{ id: string; signed_at: Date }[]>(
    `INSERT INTO consent_signatures (practice_id, document_id, patient_id, document_sha256, signature_name, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (practice_id, document_id, patient_id) DO NOTHING
     RETURNING id, signed_at`,
    [caller.practiceId, documentId, caller.userId, document.body_sha256, input.signatureName, context.ip, context.userAgent?.slice(0, 512) ?? null],
  );
  const row = rows[0];
  if (row === undefined) throw conflict('already_signed', 'You have already signed this version');
  await recordAudit(manager, caller.practiceId, context, {
    action: 'consent.sign',
    entityType: 'consent_signature',
    entityId: row.id,
    patientId: caller.userId,
  });
  return { id: row.id, documentId, kind: document.kind, version: document.version, signedAt: row.signed_at.toISOString() };
}

/**
 * Whether the patient signed the latest published version of `kind`. No published version
 * means nothing can be current: admission then refuses rather than waving patients through.
 */
export async function hasCurrentConsent(manager: EntityManager, patientId: string, kind: ConsentKind): Promise<boolean> {
  const rows = await manager.query<{ ok: boolean }[]>(
    `SELECT EXISTS (
       SELECT 1 FROM consent_signatures s
       WHERE s.patient_id = $1 AND s.document_id = (
         SELECT id FROM consent_documents WHERE kind = $2 AND published_at IS NOT NULL ORDER BY version DESC LIMIT 1)
     ) AS ok`,
    [patientId, kind],
  );
  return rows[0]?.ok === true;
}

export interface ConsentStatusEntry {
  kind: ConsentKind;
  currentVersion: number | null;
  current: boolean;
  signedVersions: { version: number; signedAt: string }[];
}

/** A patient's consent status per kind; reading it is PHI access and is audited. */
export async function consentStatus(manager: EntityManager, context: RequestContext, patientId: string): Promise<ConsentStatusEntry[]> {
  const caller = callerOf(context);
  if (caller.role === 'patient' ? caller.userId !== patientId : !(CONSENT_STATUS_READERS as readonly string[]).includes(caller.role)) {
    throw notFound('patient_not_found', 'No such patient');
  }
  const patients = await manager.query<unknown[]>(`SELECT 1 FROM users WHERE id = $1 AND role = 'patient'`, [patientId]);
  if (patients.length === 0) throw notFound('patient_not_found', 'No such patient');
  const signed = await manager.query<{ kind: ConsentKind; version: number; signed_at: Date }[]>(
    `SELECT d.kind, d.version, s.signed_at FROM consent_signatures s JOIN consent_documents d ON d.id = s.document_id
     WHERE s.patient_id = $1 ORDER BY d.kind, d.version DESC`,
    [patientId],
  );
  const current = await manager.query<{ kind: ConsentKind; version: number }[]>(
    `SELECT DISTINCT ON (kind) kind, version FROM consent_documents WHERE published_at IS NOT NULL ORDER BY kind, version DESC`,
  );
  await recordAudit(manager, caller.practiceId, context, {
    action: 'consent.read',
    entityType: 'patient',
    entityId: patientId,
    patientId,
  });
  return CONSENT_KINDS.map((kind) => {
    const currentVersion = current.find((row) => row.kind === kind)?.version ?? null;
    const versions = signed.filter((row) => row.kind === kind).map((row) => ({ version: row.version, signedAt: row.signed_at.toISOString() }));
    return {
      kind,
      currentVersion,
      current: currentVersion !== null && versions.some((entry) => entry.version === currentVersion),
      signedVersions: versions,
    };
  });
}

/** Raised when a consent precondition fails, for callers that map it themselves. */
export const missingConsent = (kind: ConsentKind): AppError =>
  new AppError(409, `no_${kind}_consent`, `The patient has not signed the current ${kind} consent`);

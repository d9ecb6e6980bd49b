/**
 * The export formats as they were written before the COPY byte-string encoders
 * (api/src/audit/exportFormats.ts): every row decoded into strings, then serialized; FHIR
 * through the object mapping and JSON.stringify. Kept only as the tests' oracle: the
 * production encoders must emit exactly these bytes.
 */
import { AUDIT_COLUMNS as C } from '../../../src/audit/auditRowQuery.js';
import { csvField, EXPORT_FORMATTERS } from '../../../src/audit/exportFormats.js';
import type { ExportFormat, ExportFrame } from '../../../src/audit/exportFormats.js';
import { toFhirAuditEvent } from '../../../src/audit/fhirAuditEvent.js';
import type { AuditRowView } from '../../../src/audit/fhirAuditEvent.js';
import { CopyTextDecoder, decodeCopyField } from './copyTextReference.js';

function plain(fields: readonly string[], column: number): string | null {
  const raw = fields[column];
  return raw === undefined || raw === '\\N' ? null : raw;
}

function text(fields: readonly string[], column: number): string | null {
  return decodeCopyField(fields[column] ?? '\\N');
}

function jsonString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function jsonPlain(value: string | null): string {
  return value === null ? 'null' : `"${value}"`;
}

const CRLF = '\r\n';

function csvRow(f: readonly string[]): string {
  return (
    `${f[C.id] ?? ''},${f[C.seq] ?? ''},${f[C.occurredAt] ?? ''},${plain(f, C.actorUserId) ?? ''},` +
    `${csvField(text(f, C.actorRole))},${csvField(text(f, C.action))},${csvField(text(f, C.entityType))},` +
    `${csvField(text(f, C.entityId))},${plain(f, C.patientId) ?? ''},${f[C.outcome] ?? ''},` +
    `${csvField(text(f, C.ip))},${csvField(text(f, C.userAgent))},${csvField(text(f, C.requestId))},` +
    `${csvField(text(f, C.metadata))},${f[C.prevHash] ?? ''},${f[C.hash] ?? ''}${CRLF}`
  );
}

function ndjsonRow(f: readonly string[]): string {
  return (
    `{"id":"${f[C.id] ?? ''}","seq":${f[C.seq] ?? ''},"occurredAt":"${f[C.occurredAt] ?? ''}",` +
    `"actorUserId":${jsonPlain(plain(f, C.actorUserId))},"actorRole":${jsonString(text(f, C.actorRole))},` +
    `"action":${jsonString(text(f, C.action))},"entityType":${jsonString(text(f, C.entityType))},` +
    `"entityId":${jsonString(text(f, C.entityId))},"patientId":${jsonPlain(plain(f, C.patientId))},` +
    `"outcome":"${f[C.outcome] ?? ''}","ip":${jsonString(text(f, C.ip))},"userAgent":${jsonString(text(f, C.userAgent))},` +
    `"requestId":${jsonString(text(f, C.requestId))},"metadata":${text(f, C.metadata) ?? 'null'},` +
    `"prevHash":"${f[C.prevHash] ?? ''}","hash":"${f[C.hash] ?? ''}"}\n`
  );
}

/** Decodes a raw COPY row into the view the FHIR mapping takes. */
export function auditRowView(f: readonly string[]): AuditRowView {
  const metadata = text(f, C.metadata);
  return {
    id: f[C.id] ?? '',
    seq: f[C.seq] ?? '',
    occurredAt: f[C.occurredAt] ?? '',
    actorUserId: plain(f, C.actorUserId),
    actorRole: text(f, C.actorRole),
    action: text(f, C.action) ?? '',
    entityType: text(f, C.entityType),
    entityId: text(f, C.entityId),
    patientId: plain(f, C.patientId),
    outcome: f[C.outcome] ?? '',
    ip: text(f, C.ip),
    userAgent: text(f, C.userAgent),
    requestId: text(f, C.requestId),
    metadata: metadata === null ? null : (JSON.parse(metadata) as Record<string, unknown> | null),
    prevHash: f[C.prevHash] ?? '',
    hash: f[C.hash] ?? '',
  };
}

function fhirRow(f: readonly string[], frame: ExportFrame): string {
  return `{"fullUrl":"urn:uuid:${f[C.id] ?? ''}","resource":${JSON.stringify(toFhirAuditEvent(auditRowView(f), frame.practiceId))}}`;
}

const ROWS: Readonly<Record<ExportFormat, (f: readonly string[], frame: ExportFrame) => string>> = {
  csv: csvRow,
  ndjson: ndjsonRow,
  fhir: fhirRow,
};

/** The whole export of `copyText` (COPY text rows) in `format`, the old way. */
export function referenceExport(format: ExportFormat, copyText: Buffer, frame: ExportFrame): Buffer {
  const formatter = EXPORT_FORMATTERS[format];
  const decoder = new CopyTextDecoder();
  const lines = decoder.completeLines(copyText) ?? [];
  decoder.end();
  const rows = lines.map((line) => ROWS[format](line.split('\t'), frame));
  return Buffer.from(formatter.prefix(frame) + rows.join(formatter.separator) + formatter.suffix, 'utf8');
}


import { AUDIT_COLUMNS as C, AUDIT_COLUMN_NAMES } from './auditRowQuery.js';
import type { ByteWriter } from './byteWriter.js';
import { decodeCopyField } from './copyText.js';
import { fhirAuditEventJson } from './fhirAuditEvent.js';
import { FhirEntryWriter } from './fhirEntryWriter.js';
import type { AuditRowView } from './fhirAuditEvent.js';

export const EXPORT_FORMATS = ['csv', 'ndjson', 'fhir'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What every format needs to know about the export it is writing. */
export interface ExportFrame {
  exportId: string;
  practiceId: string;
  /** ISO 8601 instant the export started (FHIR Bundle.timestamp). */
  startedAt: string;
}

/**
 * A format turns rows (raw COPY text columns, still escaped) into text. Output is the
 * concatenation prefix + row + separator + row ... + suffix.
 */
export interface ExportFormatter {
  readonly contentType: string;
  readonly fileExtension: string;
  prefix: (frame: ExportFrame) => string;
  /** Placed between two rows. */
  readonly separator: string;
  row: (fields: readonly string[], frame: ExportFrame) => string;
  /**
   * Optional faster equivalent of `row` for one export: appends exactly the UTF-8 bytes of
   * row(fields, frame) to a ByteWriter, for formats whose rows are large enough that
   * building them as strings dominates.
   */
  rowWriter?: (frame: ExportFrame) => (out: ByteWriter, fields: readonly string[]) => void;
  suffix: string;
}

/** Columns whose stored text is an identifier, number, hash, code or ISO time: nothing to escape. */
function plain(fields: readonly string[], column: number): string | null {
  const raw = fields[column];
  return raw === undefined || raw === '\\N' ? null : raw;
}

function text(fields: readonly string[], column: number): string | null {
  return decodeCopyField(fields[column] ?? '\\N');
}

// ---- CSV (RFC 4180) ------------------------------------------------------------------

/** Characters that make spreadsheet software treat a cell as a formula (OWASP "CSV Injection"). */
function startsLikeFormula(value: string): boolean {
  const first = value.charCodeAt(0);
  // = + - @ TAB CR
  return first === 0x3d || first === 0x2b || first === 0x2d || first === 0x40 || first === 0x09 || first === 0x0d;
}

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/**
 * One free-text CSV field: neutralised with a leading apostrophe when it could start a
 * formula, then quoted with doubled quotes when it holds a comma, quote or line break
 * (RFC 4180 §2 rules 5-7). NULL and empty are both an empty field.
 */
export function csvField(value: string | null): string {
  if (value === null || value === '') {
    return '';
  }
  const safe = startsLikeFormula(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(QUOTE, '""')}"` : safe;
}

/** RFC 4180 §2 rule 1: records end with CRLF. */
const CRLF = '\r\n';

const csv: ExportFormatter = {
  contentType: 'text/csv; charset=utf-8; header=present',
  fileExtension: 'csv',
  prefix: () => `${AUDIT_COLUMN_NAMES.join(',')}${CRLF}`,
  separator: '',
  row: (f) =>
    // id, seq, time, uuids, outcome and hashes cannot contain a comma, quote, line break or
    // a leading formula character; only the free-text columns go through csvField.
    `${f[C.id] ?? ''},${f[C.seq] ?? ''},${f[C.occurredAt] ?? ''},${plain(f, C.actorUserId) ?? ''},` +
    `${csvField(text(f, C.actorRole))},${csvField(text(f, C.action))},${csvField(text(f, C.entityType))},` +
    `${csvField(text(f, C.entityId))},${plain(f, C.patientId) ?? ''},${f[C.outcome] ?? ''},` +
    `${csvField(text(f, C.ip))},${csvField(text(f, C.userAgent))},${csvField(text(f, C.requestId))},` +
    `${csvField(text(f, C.metadata))},${f[C.prevHash] ?? ''},${f[C.hash] ?? ''}${CRLF}`,
  suffix: '',
};

// ---- NDJSON (one JSON text per line, RFC 8259 + "\n") ---------------------------------

function jsonString(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function jsonPlain(value: string | null): string {
  return value === null ? 'null' : `"${value}"`;
}

const ndjson: ExportFormatter = {
  contentType: 'application/x-ndjson',
  fileExtension: 'ndjson',
  prefix: () => '',
  separator: '',
  row: (f) =>
    `{"id":"${f[C.id] ?? ''}","seq":${f[C.seq] ?? ''},"occurredAt":"${f[C.occurredAt] ?? ''}",` +
    `"actorUserId":${jsonPlain(plain(f, C.actorUserId))},"actorRole":${jsonString(text(f, C.actorRole))},` +
    `"action":${jsonString(text(f, C.action))},"entityType":${jsonString(text(f, C.entityType))},` +
    `"entityId":${jsonString(text(f, C.entityId))},"patientId":${jsonPlain(plain(f, C.patientId))},` +
    `"outcome":"${f[C.outcome] ?? ''}","ip":${jsonString(text(f, C.ip))},"userAgent":${jsonString(text(f, C.userAgent))},` +
    `"requestId":${jsonString(text(f, C.requestId))},"metadata":${text(f, C.metadata) ?? 'null'},` +
    `"prevHash":"${f[C.prevHash] ?? ''}","hash":"${f[C.hash] ?? ''}"}\n`,
  suffix: '',
};

// ---- FHIR R4 Bundle of AuditEvent ------------------------------------------------------

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
    metadata: metadata === null ? null : (JSON.parse(metadata) as Record<string, unknown>),
    prevHash: f[C.prevHash] ?? '',
    hash: f[C.hash] ?? '',
  };
}

/** A Bundle of type "collection" (https://hl7.org/fhir/R4/bundle.html), streamed entry by entry. */
const fhir: ExportFormatter = {
  contentType: 'application/fhir+json; fhirVersion=4.0',
  fileExtension: 'json',
  prefix: (frame) =>
    `{"resourceType":"Bundle","id":"${frame.exportId}","type":"collection","timestamp":"${frame.startedAt}","entry":[`,
  separator: ',',
  row: (f, frame) =>
    `{"fullUrl":"urn:uuid:${f[C.id] ?? ''}","resource":${fhirAuditEventJson(auditRowView(f), frame.practiceId)}}`,
  // ~1.9 kB of mostly constant JSON per row: written as bytes, see fhirEntryWriter.ts.
  rowWriter: (frame) => {
    const entries = new FhirEntryWriter(frame.practiceId);
    return (out, fields) => {
      entries.write(out, fields);
    };
  },
  suffix: ']}',
};

export const EXPORT_FORMATTERS: Readonly<Record<ExportFormat, ExportFormatter>> = { csv, ndjson, fhir };

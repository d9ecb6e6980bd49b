import { AUDIT_COLUMNS as C, AUDIT_COLUMN_NAMES } from './auditRowQuery.js';
import type { CopyRow } from './copyRows.js';
import { FhirEntryWriter } from './fhirEntryWriter.js';
import type { NativeRowWriter } from './fhirNativeEntries.js';
import { nativeFhirEntries } from './fhirNativeEntries.js';

export const EXPORT_FORMATS = ['csv', 'ndjson', 'fhir'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What every format needs to know about the export it is writing. */
export interface ExportFrame {
  exportId: string;
  practiceId: string;
  /** ISO 8601 instant the export started (FHIR Bundle.timestamp). */
  startedAt: string;
}

/** How one export writes its rows. */
export interface RowWriters {
  /** One row as a byte string. */
  row: (row: CopyRow) => string;
  /** Writes runs of rows straight into the output where it can (fhirNativeEntries.ts); `row` writes the others. */
  native?: NativeRowWriter;
}

/**
 * A format writes rows straight from their COPY text (copyRows.ts). Output is the
 * concatenation prefix + row + separator + row ... + suffix; rows are returned as byte
 * strings (latin1 strings holding UTF-8 bytes, see copyRows.ts), the rest as text.
 */
export interface ExportFormatter {
  readonly contentType: string;
  readonly fileExtension: string;
  prefix: (frame: ExportFrame) => string;
  /** Placed between two rows (ASCII: it is appended to the rows' byte string). */
  readonly separator: string;
  /** The row writers of one export (they may cache per-export fragments). */
  rowWriters: (frame: ExportFrame) => RowWriters;
  suffix: string;
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

/** A plain column (identifier, number, hash, code or ISO time, nothing to escape): NULL is empty. */
function plainOrEmpty(row: CopyRow, column: number): string {
  return row.isNull(column) ? '' : row.raw(column);
}

const csv: ExportFormatter = {
  contentType: 'text/csv; charset=utf-8; header=present',
  fileExtension: 'csv',
  prefix: () => `${AUDIT_COLUMN_NAMES.join(',')}${CRLF}`,
  separator: '',
  rowWriters: () => ({
    row: (r) =>
      // id, seq, time, uuids, outcome and hashes cannot contain a comma, quote, line break or
      // a leading formula character; only the free-text columns go through csvField.
      `${r.raw(C.id)},${r.raw(C.seq)},${r.raw(C.occurredAt)},${plainOrEmpty(r, C.actorUserId)},` +
      `${csvField(r.value(C.actorRole))},${csvField(r.value(C.action))},${csvField(r.value(C.entityType))},` +
      `${csvField(r.value(C.entityId))},${plainOrEmpty(r, C.patientId)},${r.raw(C.outcome)},` +
      `${csvField(r.value(C.ip))},${csvField(r.value(C.userAgent))},${csvField(r.value(C.requestId))},` +
      `${csvField(r.value(C.metadata))},${r.raw(C.prevHash)},${r.raw(C.hash)}${CRLF}`,
  }),
  suffix: '',
};

// ---- NDJSON (one JSON text per line, RFC 8259 + "\n") ---------------------------------

/** A plain column as JSON: a string in quotes (nothing to escape), or null. */
function jsonPlain(row: CopyRow, column: number): string {
  return row.isNull(column) ? 'null' : `"${row.raw(column)}"`;
}

const ndjson: ExportFormatter = {
  contentType: 'application/x-ndjson',
  fileExtension: 'ndjson',
  prefix: () => '',
  separator: '',
  rowWriters: () => ({
    row: (r) =>
      `{"id":"${r.raw(C.id)}","seq":${r.raw(C.seq)},"occurredAt":"${r.raw(C.occurredAt)}",` +
      `"actorUserId":${jsonPlain(r, C.actorUserId)},"actorRole":${r.jsonValue(C.actorRole)},` +
      `"action":${r.jsonValue(C.action)},"entityType":${r.jsonValue(C.entityType)},` +
      `"entityId":${r.jsonValue(C.entityId)},"patientId":${jsonPlain(r, C.patientId)},` +
      `"outcome":"${r.raw(C.outcome)}","ip":${r.jsonValue(C.ip)},"userAgent":${r.jsonValue(C.userAgent)},` +
      // metadata is jsonb text already: written as PostgreSQL printed it.
      `"requestId":${r.jsonValue(C.requestId)},"metadata":${r.value(C.metadata) ?? 'null'},` +
      `"prevHash":"${r.raw(C.prevHash)}","hash":"${r.raw(C.hash)}"}\n`,
  }),
  suffix: '',
};

// ---- FHIR R4 Bundle of AuditEvent ------------------------------------------------------

/** A Bundle of type "collection" (https://hl7.org/fhir/R4/bundle.html), streamed entry by entry. */
const fhir: ExportFormatter = {
  contentType: 'application/fhir+json; fhirVersion=4.0',
  fileExtension: 'json',
  prefix: (frame) =>
    `{"resourceType":"Bundle","id":"${frame.exportId}","type":"collection","timestamp":"${frame.startedAt}","entry":[`,
  separator: ',',
  // ~1.9 kB of mostly constant JSON per row, see fhirEntryWriter.ts.
  rowWriters: (frame) => {
    const entries = new FhirEntryWriter(frame.practiceId);
    const native = nativeFhirEntries(entries);
    return { row: (row) => entries.entry(row), ...(native === undefined ? {} : { native }) };
  },
  suffix: ']}',
};

export const EXPORT_FORMATTERS: Readonly<Record<ExportFormat, ExportFormatter>> = { csv, ndjson, fhir };

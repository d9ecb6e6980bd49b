/**
 * Audit rows as `COPY (auditRowsSql) TO STDOUT` prints them, for the encoder and verifier
 * equivalence tests. Values are what the audit writer can store (uuids, ISO times, the
 * outcome CHECK, jsonb objects printed the way PostgreSQL prints jsonb: keys by length then
 * bytes, `": "` and `", "` separators, only `"`, `\` and control characters escaped).
 */

/** Columns in AUDIT_COLUMNS order; null is SQL NULL. */
export type AuditCopyRow = readonly [
  id: string,
  seq: string,
  occurredAt: string,
  actorUserId: string | null,
  actorRole: string | null,
  action: string,
  entityType: string | null,
  entityId: string | null,
  patientId: string | null,
  outcome: 'success' | 'failure' | 'denied',
  ip: string | null,
  userAgent: string | null,
  requestId: string | null,
  metadata: string | null,
  prevHash: string,
  hash: string,
];

/** COPY text escaping (PostgreSQL's CopyAttributeOutText): backslash and the named control characters. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  const named: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  return value.replace(/[\\\b\f\n\r\t\v]/g, (c) => named[c] ?? c);
}

export function copyText(rows: readonly (readonly (string | null)[])[]): Buffer {
  return Buffer.from(rows.map((row) => `${row.map(copyField).join('\t')}\n`).join(''), 'utf8');
}

const HASH_A = 'a'.repeat(64);
const HASH_B = '0123456789abcdef'.repeat(4);
const USER = '1a2b3c4d-0000-4000-8000-000000000001';
const PATIENT = 'a0000000-0000-4000-8000-000000000002';
const id = (n: number): string => `${n}d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61`;
const at = (n: number): string => `2026-11-23T01:02:0${n}.456Z`;

/**
 * Rows whose FHIR AuditEvent is valid R4 (codes without whitespace, non-empty strings, no
 * control characters but tab, CR and LF): every column type, NULLs, quotes, backslashes,
 * tabs and newlines in free text, non-ASCII, every metadata value type.
 */
export const VALID_ROWS: readonly AuditCopyRow[] = [
  // Typical: every column set, plain ASCII.
  [id(1), '1', at(1), USER, 'injector', 'patient.read', 'patient', PATIENT, PATIENT, 'success', '203.0.113.9', 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0', '9f86d081884c7d65', null, HASH_A, HASH_B],
  // NULLs everywhere they are allowed, a denied sign-in.
  [id(2), '2', at(2), null, null, 'auth.login_failed', null, null, null, 'denied', null, null, null, null, HASH_B, HASH_A],
  // Free text needing JSON (and CSV) escapes: quotes, backslashes, tab, newline, CR, comma.
  [id(3), '3', at(3), USER, 'front_desk', 'note.sign', 'note', 'id "quoted" \\ back\tslash\nline\r', null, 'failure', '::1', 'agent "x", \\y\\', 'req\\1', '{"k": "v \\"q\\" \\\\ \\n"}', HASH_A, HASH_A],
  // Non-ASCII (2-, 3- and 4-byte UTF-8, U+2028), metadata of every value type the writer stores.
  [id(4), '4', at(4), USER, 'médical_director', 'audit.export', 'audit_export', 'ünïcödé € 😀', PATIENT, 'success', '2001:db8::1', 'Agent \u2028 😀 ü', 'ré-1', '{"rows": 3, "format": "csv", "intact": true, "reason": null, "negative": -12, "zero": 0}', HASH_B, HASH_B],
  // Patient only, no entity id; metadata without escapes but non-ASCII; formula-like text.
  [id(5), '5', at(5), null, 'patient', 'appointment.book', 'appointment', null, PATIENT, 'success', '10.0.0.1', '=HYPERLINK("x")', '-r', '{"note": "ünïcödé €", "slot": "2026-11-24T10:00:00Z"}', HASH_A, HASH_B],
  // An unknown action; an integer past 15 digits, a fraction and an escape (the JSON.parse path).
  [id(6), '6', at(6), USER, 'patient', 'some.future_action', null, 'e1', null, 'success', null, null, null, '{"seen": true}', HASH_A, HASH_B],
  [id(7), '7', at(7), USER, 'compliance_officer', 'audit.verify', 'practice', 'p1', null, 'success', '203.0.113.9', null, 'r7', '{"max": 9007199254740991, "ratio": 0.5, "label": "tab\\there"}', HASH_A, HASH_B],
  // Metadata keys that sort differently by length than by code unit (canonical form re-sorts them).
  [id(8), '8', at(8), USER, 'injector', 'patient.search', 'patient', 'query', null, 'success', '203.0.113.9', 'ua', 'r8', '{"b": 1, "aa": 2, "Z_1": false}', HASH_B, HASH_A],
  // Metadata with nothing to show: `{}` and an empty string give no detail (R4 has no empty array or string).
  [id(9), '9', at(9), USER, 'patient', 'patient.read', null, null, null, 'success', null, null, null, '{}', HASH_A, HASH_B],
  [id(10), '10', at(1), USER, 'patient', 'patient.read', 'patient', 'e10', null, 'success', null, null, null, '{"reason": ""}', HASH_B, HASH_A],
  [id(11), '11', at(2), USER, 'patient', 'some.future_action', null, null, null, 'success', null, null, null, '{"": "x", "ratio": 0.5, "note": ""}', HASH_A, HASH_A],
];

/**
 * Rows the writer can store whose FHIR mapping is outside R4's rules (the encoders must
 * still match byte for byte): control characters in every free-text column (FHIR strings
 * SHOULD NOT hold them), leading tab or CR.
 */
export const OUTSIDE_FHIR_RULES_ROWS: readonly AuditCopyRow[] = [
  [id(1), '1', at(1), USER, 'ro\u0001le', 'act\bion', 'ty\fpe', 'en\vtity\u001f', PATIENT, 'success', 'i\u0002p', 'ua\u007f\u0008', 're\u001bq', '{"k": "\\u0001\\b"}', HASH_A, HASH_B],
  [id(2), '2', at(2), null, '\tlead', '\rcr', ',comma', '"', null, 'denied', '\\', '\\N', '\\\\N', '{"k": "\\\\N"}', HASH_B, HASH_A],
];

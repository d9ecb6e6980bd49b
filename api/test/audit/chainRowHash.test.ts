import { AUDIT_COLUMNS as C } from '../../src/audit/auditRowQuery.js';
import { GENESIS_HASH } from '../../src/audit/chainHash.js';
import { ChainRowHasher } from '../../src/audit/chainRowHash.js';
import type { CopyRow } from '../../src/audit/copyRows.js';
import { CopyRowReader } from '../../src/audit/copyRows.js';
import type { AuditCopyRow } from './reference/auditCopyRows.js';
import { OUTSIDE_FHIR_RULES_ROWS, VALID_ROWS, copyText } from './reference/auditCopyRows.js';
import { referenceRowHash } from './reference/chainReference.js';

const PRACTICE = '6f1c2d9e-0b7a-4c1e-9a53-2f4d8e7b1c60';

/** The verifier selects microseconds: a writer's millisecond time ends in 000. */
const withMicroseconds = (row: AuditCopyRow): (string | null)[] => {
  const copy: (string | null)[] = [...row];
  copy[C.occurredAt] = row[C.occurredAt].replace('Z', '000Z');
  return copy;
};

const variants = (rows: readonly AuditCopyRow[]): (string | null)[][] =>
  rows.flatMap((row) => {
    const base = withMicroseconds(row);
    const edit = (column: number, value: string | null): (string | null)[] => base.map((v, i) => (i === column ? value : v));
    return [
      base,
      edit(C.occurredAt, row[C.occurredAt]), // milliseconds only: the writer cannot have stored it
      edit(C.occurredAt, row[C.occurredAt].replace('Z', '001Z')), // sub-millisecond edit
      edit(C.occurredAt, row[C.occurredAt].replace('2026', '2ü2')), // non-ASCII time
      edit(C.seq, null),
      edit(C.action, null),
      edit(C.metadata, '[1, 2]'), // not an object
      edit(C.metadata, '{"nested": {"a": 1}, "list": [1, "ü"]}'),
      edit(C.metadata, '{"nested": {"a": "\\u00e9"}}'), // ASCII as stored, not once parsed
      edit(C.metadata, '{"a": 1.0, "b": 1e2, "c": -0}'),
      edit(C.metadata, '{"a": 1, "a": 2}'), // duplicate key (a json, not jsonb, column could hold it)
      edit(C.metadata, '{"1": "x", "b": "y"}'), // an integer-like key
      edit(C.metadata, 'not json'),
      edit(C.ip, '"quoted" \\ ip'),
    ];
  });

describe('chain hash of a stored row from its COPY bytes', () => {
  it('is chainHashOfText of the decoded columns, or null where that is null, for every shape of row', () => {
    const rows = variants([...VALID_ROWS, ...OUTSIDE_FHIR_RULES_ROWS]);
    const bytes = copyText(rows);
    const hasher = new ChainRowHasher(PRACTICE);
    const actual: (string | null)[] = [];
    const reader = new CopyRowReader();
    const prev = (index: number): string => (index % 2 === 0 ? GENESIS_HASH : 'f'.repeat(64));
    const visit = (row: CopyRow): void => {
      actual.push(hasher.hashOf(row, prev(actual.length)));
    };
    // Cut into small chunks: rows straddle chunks.
    for (let at = 0; at < bytes.length; at += 97) reader.push(bytes.subarray(at, at + 97), visit);
    reader.end();
    const expected = rows.map((row, index) => referenceRowHash(row, PRACTICE, prev(index)));
    expect(actual).toEqual(expected);
    // The comparison must cover hashed rows, not only rejected ones.
    expect(expected.filter((hash) => hash !== null).length).toBeGreaterThan(rows.length / 3);
  });
});

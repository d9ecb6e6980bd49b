import { createHash, randomInt } from 'node:crypto';
import { AUDIT_COLUMNS as C } from '../../src/audit/auditRowQuery.js';
import { GENESIS_HASH } from '../../src/audit/chainHash.js';
import { nativeChainLinks } from '../../src/audit/chainLinks.js';
import { auditNativeLoaded } from '../../src/audit/nativeAddon.js';
import { leafHashOfChainHash } from '../../src/audit/merkleTree.js';
import { OUTSIDE_FHIR_RULES_ROWS, VALID_ROWS, copyField, copyText } from './reference/auditCopyRows.js';
import { referenceRowHash } from './reference/chainReference.js';

const PRACTICE = '6f1c2d9e-0b7a-4c1e-9a53-2f4d8e7b1c60';
const PREV = 'f'.repeat(64);

const sha256 = (bytes: string): string => createHash('sha256').update(Buffer.from(bytes, 'latin1')).digest('hex');

/**
 * The canonical input a careless encoder would hash: COPY's bytes quoted as they are (no
 * escape undone, no JSON escaping, metadata as printed). A stored hash of this must never
 * be accepted unless it is also what the JavaScript walk computes.
 */
function naiveHash(fields: readonly string[], prev: string): string {
  const element = (raw: string): string => (raw === '\\N' ? 'null' : `"${raw}"`);
  const columns = [C.seq, C.occurredAt, C.actorUserId, C.actorRole, C.action, C.entityType, C.entityId, C.patientId, C.outcome, C.ip, C.userAgent, C.requestId];
  const parts = columns.map((c) => {
    const raw = fields[c] ?? '';
    return c === C.occurredAt ? `"${raw.slice(0, 23)}Z"` : element(raw);
  });
  const metadata = fields[C.metadata] ?? '\\N';
  return sha256(`["${prev}","${PRACTICE}",${parts.join(',')},${metadata === '\\N' ? 'null' : `"${metadata}"`}]`);
}

/** `row` (decoded values) as the next link after seq 41 and PREV. */
const asNextLink = (row: readonly (string | null)[]): (string | null)[] =>
  row.map((value, c) => (c === C.seq ? '42' : c === C.prevHash ? PREV : value));

/** One COPY line of `row` as the next link after seq 41, with `stored` as its hash. */
function lineOf(row: readonly (string | null)[], stored: string): Buffer {
  return copyText([asNextLink(row).map((value, c) => (c === C.hash ? stored : value))]);
}

/** Whether the native fast path takes `line` as the link after seq 41 and PREV. */
function accepts(line: Buffer): boolean {
  const links = nativeChainLinks(PRACTICE);
  if (links === undefined) throw new Error('native chain links not loaded');
  const taken = links.accept(line, 0, { lastSeq: 41, lastHash: PREV }, 1);
  return taken.count === 1;
}

const withMicroseconds = (row: readonly (string | null)[]): (string | null)[] =>
  row.map((value, c) => (c === C.occurredAt && value !== null ? value.replace('Z', '000Z') : value));

const ALPHABET = ['a', 'Z', '0', '-', ' ', '"', '\\', '\t', '\n', '\r', '\u0001', '\u007f', 'é', '€', '😀', '\\N', 'null', ','];
const randomText = (): string => Array.from({ length: randomInt(0, 6) }, () => ALPHABET[randomInt(ALPHABET.length)] ?? '').join('');

/** The addon is optional for a developer who cannot build it, never in CI. */
const whenBuilt = auditNativeLoaded() ? it : it.skip;

describe('native chain links (api/native/chain_links.c)', () => {
  it('is built and loaded in CI', () => {
    if (process.env.CI === 'true') expect(auditNativeLoaded()).toBe(true);
  });

  whenBuilt('accepts a row only with the hash the JavaScript reference computes, for every shape of row', () => {
    // Each row also without metadata, so its other columns are what decides.
    const rows = [...VALID_ROWS, ...OUTSIDE_FHIR_RULES_ROWS]
      .map(withMicroseconds)
      .flatMap((row) => [row, row.map((value, c) => (c === C.metadata ? null : value))]);
    let accepted = 0;
    for (const row of rows) {
      const reference = referenceRowHash(asNextLink(row), PRACTICE, PREV);
      const fields = asNextLink(row).map(copyField);
      for (const stored of [reference ?? 'a'.repeat(64), naiveHash(fields, PREV)]) {
        const taken = accepts(lineOf(row, stored));
        if (taken) accepted += 1;
        // Accepting a row means its stored hash is the one the reference computes.
        expect({ row, stored, taken: taken && stored !== reference }).toEqual({ row, stored, taken: false });
      }
    }
    // The plain rows are taken (the test must not pass by declining everything).
    expect(accepted).toBeGreaterThanOrEqual(2);
  });

  whenBuilt('never accepts a random row unless the reference computes its stored hash', () => {
    let accepted = 0;
    for (let i = 0; i < 3_000; i += 1) {
      const row: (string | null)[] = withMicroseconds(VALID_ROWS[0] ?? []);
      for (const c of [C.actorUserId, C.actorRole, C.action, C.entityType, C.entityId, C.ip, C.userAgent, C.requestId, C.metadata]) {
        if (randomInt(3) === 0) row[c] = randomInt(4) === 0 ? null : randomText();
      }
      const reference = referenceRowHash(asNextLink(row), PRACTICE, PREV);
      const fields = asNextLink(row).map(copyField);
      const stored = randomInt(2) === 0 && reference !== null ? reference : naiveHash(fields, PREV);
      const taken = accepts(lineOf(row, stored));
      if (taken) accepted += 1;
      expect({ row, taken: taken && stored !== reference }).toEqual({ row, taken: false });
    }
    expect(accepted).toBeGreaterThan(100);
  });

  whenBuilt('reads metadata as the reference does, for printed objects of every shape near the writer\'s', () => {
    const keys = ['a', 'b', 'aa', 'Z_1', 'rows', 'resultCount', '1x', 'a-b'];
    const values = ['1', '-12', '0', '"x y"', 'true', 'false', 'null', '"ü"', '01', '-0', '1.5', '"a\\"b"', '123456789012345', '1234567890123456', '[1]', '{}', '""'];
    let accepted = 0;
    for (let i = 0; i < 3_000; i += 1) {
      const members = Array.from({ length: randomInt(0, 5) }, () => `"${keys[randomInt(keys.length)] ?? ''}": ${values[randomInt(values.length)] ?? ''}`);
      const separator = randomInt(20) === 0 ? ',' : ', ';
      const row: (string | null)[] = withMicroseconds(VALID_ROWS[0] ?? []);
      row[C.metadata] = `{${members.join(separator)}}`;
      const reference = referenceRowHash(asNextLink(row), PRACTICE, PREV);
      const stored = randomInt(4) > 0 && reference !== null ? reference : naiveHash(asNextLink(row).map(copyField), PREV);
      const taken = accepts(lineOf(row, stored));
      if (taken) accepted += 1;
      expect({ metadata: row[C.metadata], taken: taken && stored !== reference }).toEqual({ metadata: row[C.metadata], taken: false });
    }
    expect(accepted).toBeGreaterThan(300);
  });

  whenBuilt('takes a run of links with their leaf hashes, stops at the limit, at a break, and at a row it leaves', () => {
    const links = nativeChainLinks(PRACTICE);
    if (links === undefined) throw new Error('native chain links not loaded');
    const base = withMicroseconds(VALID_ROWS[0] ?? []);
    const rows: (string | null)[][] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= 10; seq += 1) {
      const row = base.map((value, c) => (c === C.seq ? String(seq) : c === C.prevHash ? prev : value));
      const hash = referenceRowHash(row, PRACTICE, prev) ?? '';
      row[C.hash] = hash;
      rows.push(row);
      prev = hash;
    }
    const lines = copyText(rows);
    const start = { lastSeq: 0, lastHash: GENESIS_HASH };
    const all = links.accept(lines, 0, start, 100);
    expect(all.count).toBe(10);
    expect(all.next).toBe(lines.length);
    expect(links.lastHash()).toBe(rows[9]?.[C.hash]);
    expect(all.leaves.map((leaf) => Buffer.from(leaf, 'latin1').toString('hex'))).toEqual(
      rows.map((row) => leafHashOfChainHash(row[C.hash] ?? '').toString('hex')),
    );
    const firstLine = lines.indexOf('\n') + 1;
    expect(all.lastLine).toBe(lines.lastIndexOf('\n', lines.length - 2) + 1);

    const three = links.accept(lines, 0, start, 3);
    expect(three.count).toBe(3);
    // From the second line on, linked to the first row.
    const rest = links.accept(lines, firstLine, { lastSeq: 1, lastHash: rows[0]?.[C.hash] ?? '' }, 100);
    expect(rest.count).toBe(9);
    // Not the next link (wrong seq, wrong prev_hash): nothing taken, nothing moved.
    expect(links.accept(lines, 0, { lastSeq: 1, lastHash: GENESIS_HASH }, 100)).toMatchObject({ count: 0, next: 0, lastLine: -1 });
    expect(links.accept(lines, firstLine, { lastSeq: 1, lastHash: GENESIS_HASH }, 100)).toMatchObject({ count: 0, next: firstLine });
    // A row with metadata is left to the JavaScript walk, and the run stops before it.
    const withMetadata = rows.map((row, i) => (i === 4 ? row.map((value, c) => (c === C.metadata ? '{"a": 1}' : value)) : row));
    const metadataLines = copyText(withMetadata);
    const stopped = links.accept(metadataLines, 0, start, 100);
    expect(stopped.count).toBe(4);
    expect(metadataLines.subarray(stopped.next).toString('latin1').startsWith(rows[4]?.[C.id] ?? '?')).toBe(true);
  });
});

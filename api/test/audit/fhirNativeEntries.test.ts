import { randomInt, randomUUID } from 'node:crypto';
import { AUDIT_COLUMNS as C } from '../../src/audit/auditRowQuery.js';
import type { CopyRow } from '../../src/audit/copyRows.js';
import { CopyRowReader } from '../../src/audit/copyRows.js';
import type { ExportFrame } from '../../src/audit/exportFormats.js';
import { FhirEntryWriter } from '../../src/audit/fhirEntryWriter.js';
import { nativeFhirEntries } from '../../src/audit/fhirNativeEntries.js';
import { auditNativeLoaded } from '../../src/audit/nativeAddon.js';
import { OUTSIDE_FHIR_RULES_ROWS, VALID_ROWS, copyText } from './reference/auditCopyRows.js';
import { encodeExport } from './exportTestSupport.js';
import { referenceExport } from './reference/exportReference.js';

const FRAME: ExportFrame = {
  exportId: '5e0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c62',
  practiceId: '6f1c2d9e-0b7a-4c1e-9a53-2f4d8e7b1c60',
  startedAt: '2026-11-23T01:02:03.456Z',
};

const ALPHABET = ['a', 'Z', '0', '-', ' ', '.', '"', '\\', '\t', '\n', '\u0001', 'é', '😀', '\\N'];
const randomText = (): string => Array.from({ length: randomInt(1, 6) }, () => ALPHABET[randomInt(ALPHABET.length)] ?? '').join('');
const METADATA = [null, '{}', '{"rows": 3}', '{"b": "x y", "aa": true, "n": null}', '{"reason": ""}', '{"k": "\\"q\\""}', '{"x": 1.5}', '{"a": [1]}', '{"ü": 1}'];

/** Rows like the test rows with columns changed at random: plain, NULL, special, unseen actions and kinds. */
function randomRows(count: number): (string | null)[][] {
  const base = [...VALID_ROWS, ...OUTSIDE_FHIR_RULES_ROWS];
  return Array.from({ length: count }, (_, i) => {
    const row: (string | null)[] = [...(base[randomInt(base.length)] ?? [])];
    row[C.seq] = String(i + 1);
    // Text columns get any text; uuid columns (the database's type) a uuid or NULL.
    for (const c of [C.actorRole, C.action, C.entityType, C.entityId, C.ip, C.userAgent, C.requestId]) {
      if (randomInt(4) === 0) row[c] = randomInt(3) === 0 && c !== C.action ? null : randomText();
    }
    for (const c of [C.actorUserId, C.patientId]) {
      if (randomInt(4) === 0) row[c] = randomInt(2) === 0 ? null : randomUUID();
    }
    if (randomInt(3) === 0) row[C.outcome] = ['success', 'failure', 'denied'][randomInt(3)] ?? 'success';
    if (randomInt(2) === 0) row[C.metadata] = METADATA[randomInt(METADATA.length)] ?? null;
    return row;
  });
}

/** The addon is optional for a developer who cannot build it, never in CI (chainLinks.test.ts checks it is loaded). */
const whenBuilt = auditNativeLoaded() ? it : it.skip;

describe('FHIR export native fast path (api/native/fhir_entries.c)', () => {
  whenBuilt('writes entries byte for byte as FhirEntryWriter does, and leaves the rows it cannot', () => {
    const rows = randomRows(400);
    const lines = copyText(rows);
    const entries = new FhirEntryWriter(FRAME.practiceId);
    const native = nativeFhirEntries(entries);
    if (native === undefined) throw new Error('native FHIR entries not loaded');
    // Every line one at a time: natively where it takes it, else by FhirEntryWriter (which
    // learns the row's fragments, so later rows with them can be native).
    const out = Buffer.alloc(rows.length * 4_096);
    let written = 0;
    let nativeRows = 0;
    const expected: string[] = [];
    const reader = new CopyRowReader();
    reader.push(lines, (row: CopyRow) => {
      expected.push(entries.entry(row));
    });
    let at = 0;
    const byJavaScript = new CopyRowReader();
    const fresh = new FhirEntryWriter(FRAME.practiceId);
    const freshNative = nativeFhirEntries(fresh);
    if (freshNative === undefined) throw new Error('native FHIR entries not loaded');
    for (let i = 0; at < lines.length; i += 1) {
      const end = lines.indexOf('\n', at) + 1;
      const result = freshNative.write(lines.subarray(at, end), 0, out, written, i === 0);
      if (result.rows === 1) {
        nativeRows += 1;
      } else {
        expect(result).toMatchObject({ rows: 0, bytes: 0, next: 0 });
        byJavaScript.push(lines.subarray(at, end), (row: CopyRow) => {
          const entry = `${i === 0 ? '' : ','}${fresh.entry(row)}`;
          out.write(entry, written, 'latin1');
          written += entry.length;
        });
      }
      written += result.bytes;
      at = end;
    }
    expect(out.subarray(0, written).toString('latin1')).toBe(expected.join(','));
    // It must really take rows (plain ones), and leave others (special ones).
    expect(nativeRows).toBeGreaterThan(10);
    expect(nativeRows).toBeLessThan(rows.length);
  });

  it('gives the export the reference produces, for random rows cut into random chunks', async () => {
    for (let round = 0; round < 20; round += 1) {
      const bytes = copyText(randomRows(60));
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = randomInt(1, 3_000);
        chunks.push(bytes.subarray(at, at + size));
        at += size;
      }
      const actual = await encodeExport('fhir', FRAME, chunks);
      const expected = referenceExport('fhir', bytes, FRAME);
      if (!actual.equals(expected)) {
        let at = 0;
        while (actual[at] === expected[at]) at += 1;
        const around = (bytes: Buffer): string => bytes.subarray(Math.max(0, at - 300), at + 200).toString('latin1');
        expect(around(actual)).toBe(around(expected));
      }
    }
  });
});

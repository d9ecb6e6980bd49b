import { AuditExportEncoder } from './exportEncoder.js';
import { EXPORT_FORMATTERS } from './exportFormats.js';
import type { ExportFormatter, ExportFrame } from './exportFormats.js';

const FRAME: ExportFrame = {
  exportId: '5e0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c62',
  practiceId: '6f1c2d9e-0b7a-4c1e-9a53-2f4d8e7b1c60',
  startedAt: '2026-11-23T01:02:03.456Z',
};

const HASH_A = 'a'.repeat(64);
const HASH_B = '0123456789abcdef'.repeat(4);

/** COPY text columns in AUDIT_COLUMNS order; `\N` is NULL, escapes as COPY TO writes them. */
const rows: string[][] = [
  // Typical: every column set, plain ASCII.
  ['0d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61', '1', '2026-11-23T01:02:03.456Z', '1a2b3c4d-0000-4000-8000-000000000001', 'injector', 'patient.read', 'patient', 'a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000002', 'success', '203.0.113.9', 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0', '9f86d081884c7d65', '\\N', HASH_A, HASH_B],
  // NULLs everywhere they are allowed, a failure outcome, a sign-in action.
  ['1d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61', '2', '2026-11-23T01:02:04.000Z', '\\N', '\\N', 'auth.login_failed', '\\N', '\\N', '\\N', 'denied', '\\N', '\\N', '\\N', '\\N', HASH_B, HASH_A],
  // Text needing JSON escapes (quote, backslash, COPY-escaped tab/newline, raw control character).
  ['2d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61', '3', '2026-11-23T01:02:05.000Z', '1a2b3c4d-0000-4000-8000-000000000001', 'front_desk', 'note.sign', 'note', 'id "quoted" \\\\ back\\tslash\\nline', '\\N', 'failure', '::1', 'agent \u0001 "x"', 'req\\\\1', '{"k": "v \\\\"q\\\\""}', HASH_A, HASH_A],
  // Non-ASCII and a lone surrogate's replacement, metadata of every JSON type, jsonb null.
  ['3d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61', '4', '2026-11-23T01:02:06.000Z', '1a2b3c4d-0000-4000-8000-000000000001', 'médical_director', 'audit.export', 'audit_export', 'ünïcödé €', 'a0000000-0000-4000-8000-000000000002', 'success', '10.0.0.1', 'Agent \u2028 😀', '\\N', '{"format": "csv", "rows": 3, "intact": true, "none": null, "list": [1, "ü"], "esc": "\\\\u00e9"}', HASH_B, HASH_B],
  ['4d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61', '5', '2026-11-23T01:02:07.000Z', '\\N', 'patient', 'some.future_action', 'thing', '\\N', 'a0000000-0000-4000-8000-000000000002', 'success', '\\N', '\\N', '\\N', 'null', HASH_A, HASH_B],
  ['5d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61', '6', '2026-11-23T01:02:08.000Z', '\\N', 'patient', 'appointment.book', '\\N', 'e1', '\\N', 'success', '\\N', '\\N', '\\N', '{}', HASH_A, HASH_B],
];

async function encode(formatter: ExportFormatter, chunks: readonly Buffer[]): Promise<Buffer> {
  const encoder = new AuditExportEncoder(formatter, FRAME);
  const out: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => encoder.on('end', resolve));
  for (const chunk of chunks) encoder.write(chunk);
  encoder.end();
  await ended;
  return Buffer.concat(out);
}

describe('FHIR entries written as bytes', () => {
  const { rowWriter, ...stringFormatter } = EXPORT_FORMATTERS.fhir;

  it('are byte-identical to the string serializer, however the COPY stream is cut', async () => {
    expect(rowWriter).toBeDefined();
    const copyText = Buffer.from(rows.map((row) => `${row.join('\t')}\n`).join(''), 'utf8');
    const expected = await encode(stringFormatter, [copyText]);
    expect(JSON.parse(expected.toString('utf8'))).toMatchObject({ resourceType: 'Bundle', entry: { length: rows.length } });
    for (let cut = 0; cut <= copyText.length; cut += 7) {
      const actual = await encode(EXPORT_FORMATTERS.fhir, [copyText.subarray(0, cut), copyText.subarray(cut)]);
      expect(actual.equals(expected)).toBe(true);
    }
  });

  it('writes an empty Bundle exactly like the string serializer', async () => {
    expect((await encode(EXPORT_FORMATTERS.fhir, [])).equals(await encode(stringFormatter, []))).toBe(true);
  });
});

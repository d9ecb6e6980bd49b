import { EXPORT_FORMATS } from '../../src/audit/exportFormats.js';
import type { ExportFormat, ExportFrame } from '../../src/audit/exportFormats.js';
import { encodeExport } from './exportTestSupport.js';
import { referenceExport } from './reference/exportReference.js';
import { OUTSIDE_FHIR_RULES_ROWS, VALID_ROWS, copyText } from './reference/auditCopyRows.js';

const FRAME: ExportFrame = {
  exportId: '5e0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c62',
  practiceId: '6f1c2d9e-0b7a-4c1e-9a53-2f4d8e7b1c60',
  startedAt: '2026-11-23T01:02:03.456Z',
};

const encode = (format: ExportFormat, chunks: readonly Buffer[]): Promise<Buffer> => encodeExport(format, FRAME, chunks);

/** Cuts `bytes` into pieces at every `step`-th offset, two at a time (every cut point is tried). */
function* cuts(bytes: Buffer, step: number): Generator<Buffer[]> {
  for (let cut = 0; cut <= bytes.length; cut += step) {
    yield [bytes.subarray(0, cut), bytes.subarray(cut)];
  }
  // And one byte per chunk: rows straddle many chunks.
  yield [...bytes].map((byte) => Buffer.of(byte));
}

// FHIR R4 datatype rules (https://hl7.org/fhir/R4/datatypes.html) for what the mapping emits.
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const FHIR_CODE = /^[^\s]+( [^\s]+)*$/;
const FHIR_URI = /^\S+$/;
const FHIR_INSTANT = /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
// eslint-disable-next-line no-control-regex -- strings SHOULD NOT hold control characters but tab, CR and LF
const FHIR_STRING = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*\S[^\u0000-\u0008\u000b\u000c\u000e-\u001f]*$/;

/** Problems with the FHIR datatypes of one resource's values (paths of offending elements). */
function fhirProblems(value: unknown, path: string, problems: string[]): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) problems.push(`${path}: empty array`);
    value.forEach((item, index) => fhirProblems(item, `${path}[${index}]`, problems));
  } else if (typeof value === 'object' && value !== null) {
    if (Object.keys(value).length === 0) problems.push(`${path}: empty object`);
    for (const [key, child] of Object.entries(value)) fhirProblems(child, `${path}.${key}`, problems);
  } else if (typeof value === 'string') {
    const key = path.slice(path.lastIndexOf('.') + 1);
    const rule =
      key === 'id' ? FHIR_ID : key === 'code' || key === 'action' || key === 'outcome' ? FHIR_CODE
        : key === 'system' || key === 'url' ? FHIR_URI : key === 'recorded' || key === 'timestamp' ? FHIR_INSTANT : FHIR_STRING;
    if (!rule.test(value)) problems.push(`${path}: ${JSON.stringify(value)} is not a valid ${key}`);
  } else if (typeof value !== 'boolean') {
    problems.push(`${path}: unexpected ${typeof value}`);
  }
  return problems;
}

describe('export encoders on COPY bytes', () => {
  it('test rows make valid FHIR R4 AuditEvents (so the FHIR comparison means something)', () => {
    const bundle = JSON.parse(referenceExport('fhir', copyText(VALID_ROWS), FRAME).toString('utf8')) as {
      entry: { fullUrl: string; resource: { resourceType: string } }[];
    };
    expect(bundle.entry).toHaveLength(VALID_ROWS.length);
    for (const [index, entry] of bundle.entry.entries()) {
      expect(entry.resource.resourceType).toBe('AuditEvent');
      expect(fhirProblems(entry.resource, `entry[${index}].resource`, [])).toEqual([]);
    }
  });

  it.each(EXPORT_FORMATS)('%s: byte-identical to the decoding serializer, however the COPY stream is cut', async (format) => {
    const bytes = copyText(VALID_ROWS);
    const expected = referenceExport(format, bytes, FRAME);
    expect((await encode(format, [bytes])).equals(expected)).toBe(true);
    for (const chunks of cuts(bytes, 5)) {
      const actual = await encode(format, chunks);
      if (!actual.equals(expected)) {
        expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
      }
    }
  });

  it.each(EXPORT_FORMATS)('%s: byte-identical for rows outside FHIR rules (control characters)', async (format) => {
    const bytes = copyText(OUTSIDE_FHIR_RULES_ROWS);
    const expected = referenceExport(format, bytes, FRAME);
    for (const chunks of cuts(bytes, 3)) {
      expect((await encode(format, chunks)).toString('utf8')).toBe(expected.toString('utf8'));
    }
  });

  it('decodes invalid UTF-8 (never sent by PostgreSQL) exactly like the text decoder did', async () => {
    const bytes = Buffer.concat([copyText(VALID_ROWS.slice(0, 1)).subarray(0, 60), Buffer.of(0xc3, 0x28, 0xff), copyText(VALID_ROWS.slice(0, 1)).subarray(60)]);
    for (const format of EXPORT_FORMATS) {
      expect((await encode(format, [bytes])).equals(referenceExport(format, bytes, FRAME))).toBe(true);
    }
  });

  it.each(EXPORT_FORMATS)('%s: writes an empty export exactly like the decoding serializer', async (format) => {
    expect((await encode(format, [])).equals(referenceExport(format, Buffer.alloc(0), FRAME))).toBe(true);
  });
});

import { AuditExportEncoder } from '../../src/audit/exportEncoder.js';
import { EXPORT_FORMATTERS } from '../../src/audit/exportFormats.js';
import type { ExportFormat, ExportFrame } from '../../src/audit/exportFormats.js';

/**
 * The export of `chunks` (COPY text) in `format` through the real encoder, native fast path
 * included where it is built; its digest must count exactly the bytes it emitted.
 */
export async function encodeExport(format: ExportFormat, frame: ExportFrame, chunks: readonly Buffer[]): Promise<Buffer> {
  const encoder = new AuditExportEncoder(EXPORT_FORMATTERS[format], frame);
  const out: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise((resolve) => encoder.on('end', resolve));
  for (const chunk of chunks) encoder.write(chunk);
  encoder.end();
  await ended;
  expect(encoder.summary().byteCount).toBe(Buffer.concat(out).length);
  return Buffer.concat(out);
}

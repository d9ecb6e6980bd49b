import { createRequire } from 'node:module';
import path from 'node:path';

/*
 * The audit trail's native fast paths (api/native/), built by `npm ci` (scripts/native/
 * build.mjs): the chain verifier's link check (chainLinks.ts) and the FHIR export's entry
 * writer (fhirNativeEntries.ts). Each only takes the rows it can handle exactly as the
 * JavaScript code does and leaves every other row to it; where the addon could not be built,
 * or with MEDSPA_AUDIT_NATIVE=0, the JavaScript code runs alone.
 *
 * Why native code: on this project's 2-core machines the JavaScript verifier costs ~3.3 µs
 * per row and the FHIR writer ~4.3 µs against ~2 µs for PostgreSQL to produce the row, and
 * spreading the work over both cores does not help (bench/README.md, "Audit export vs COPY").
 */

export interface AuditNativeAddon {
  acceptLinks: (lines: Buffer, from: number, state: Buffer, leaves: Buffer) => number;
  writeFhirEntries: (lines: Buffer, from: number, pieces: Buffer, dictionaries: Buffer, out: Buffer, at: number, state: Buffer) => number;
}

/** The compiled addon: this module is api/dist/src/audit/nativeAddon.js, or api/src/audit/nativeAddon.ts under ts-jest. */
function addonPath(): string {
  const apiRoot = path.resolve(__dirname, __filename.endsWith('.ts') ? '../..' : '../../..');
  return path.join(apiRoot, 'native', 'build', 'Release', 'audit_native.node');
}

function load(): AuditNativeAddon | undefined {
  if (process.env.MEDSPA_AUDIT_NATIVE === '0') return undefined;
  try {
    const addon = createRequire(__filename)(addonPath()) as Partial<AuditNativeAddon>;
    return typeof addon.acceptLinks === 'function' && typeof addon.writeFhirEntries === 'function' ? (addon as AuditNativeAddon) : undefined;
  } catch {
    return undefined;
  }
}

/** The addon, or undefined when it is not built or turned off. */
export const auditNativeAddon: AuditNativeAddon | undefined = load();

/** True when the native fast paths are in use (MEDSPA_AUDIT_NATIVE=0 turns them off). */
export function auditNativeLoaded(): boolean {
  return auditNativeAddon !== undefined;
}

import type { FhirEntryWriter } from './fhirEntryWriter.js';
import type { AuditNativeAddon } from './nativeAddon.js';
import { auditNativeAddon } from './nativeAddon.js';

/*
 * The FHIR export's native fast path (api/native/fhir_entries.c, loaded by nativeAddon.ts):
 * it writes runs of Bundle entries straight from COPY lines into the output buffer, byte for
 * byte as FhirEntryWriter#entry would, and stops at the first row it cannot write as simply
 * (exportEncoder.ts then has FhirEntryWriter write that row). Every byte of FHIR text comes
 * from FhirEntryWriter: its constant pieces and the fragments it has made per action, role
 * and entity kind, so a value the native writer has no fragment for yet goes to JavaScript
 * once and is known from then on.
 */

/** What one native write did. */
export interface NativeWritten {
  rows: number;
  bytes: number;
  /** Offset in `lines` of the first row not written (lines.length when all were). */
  next: number;
  /** Offsets of the first and last written rows' lines (-1 when none was written). */
  firstLine: number;
  lastLine: number;
  /** True when it stopped because the output buffer had no room for the next entry. */
  full: boolean;
}

/** Writes runs of rows straight into the output; the export's other rows go through its row writer. */
export interface NativeRowWriter {
  /** Rows of `lines` (complete COPY lines) from `from`, into `out` from `at`; `first`: no entry was written yet. */
  write: (lines: Buffer, from: number, out: Buffer, at: number, first: boolean) => NativeWritten;
}

const STATE_BYTES = 40;

/** [u32 length][bytes] of a byte string. */
function lengthPrefixed(bytes: string): Buffer {
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32LE(bytes.length, 0);
  out.write(bytes, 4, 'latin1');
  return out;
}

function encodeDictionary(fragments: ReadonlyMap<string, string>): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32LE(fragments.size, 0);
  return Buffer.concat([count, ...[...fragments].flatMap(([key, fragment]) => [lengthPrefixed(key), lengthPrefixed(fragment)])]);
}

class NativeFhirEntries implements NativeRowWriter {
  readonly #pieces: Buffer;
  #dictionaries = Buffer.alloc(0);
  /** Fragments encoded into #dictionaries (they only ever grow). */
  #encodedFragments = -1;
  readonly #state = Buffer.alloc(STATE_BYTES);

  constructor(
    private readonly addon: AuditNativeAddon,
    private readonly entries: FhirEntryWriter,
  ) {
    this.#pieces = Buffer.concat(entries.pieces().map(lengthPrefixed));
  }

  write(lines: Buffer, from: number, out: Buffer, at: number, first: boolean): NativeWritten {
    const tables = this.entries.fragmentTables();
    const fragments = tables.reduce((sum, table) => sum + table.size, 0);
    if (fragments !== this.#encodedFragments) {
      this.#dictionaries = Buffer.concat(tables.map(encodeDictionary));
      this.#encodedFragments = fragments;
    }
    const state = this.#state;
    state.writeDoubleLE(first ? 1 : 0, 0);
    const next = this.addon.writeFhirEntries(lines, from, this.#pieces, this.#dictionaries, out, at, state);
    return {
      rows: state.readDoubleLE(0),
      bytes: state.readDoubleLE(8),
      next,
      firstLine: state.readDoubleLE(16),
      lastLine: state.readDoubleLE(24),
      full: state.readDoubleLE(32) === 1,
    };
  }
}

/** The native writer for one export's entries, or undefined without the addon. */
export function nativeFhirEntries(entries: FhirEntryWriter): NativeRowWriter | undefined {
  return auditNativeAddon === undefined ? undefined : new NativeFhirEntries(auditNativeAddon, entries);
}

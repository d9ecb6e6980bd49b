import { hash } from 'node:crypto';
import type { AuditMetadata } from './auditMetadata.js';
import { canonicalMetadata } from './auditMetadata.js';
import { AUDIT_COLUMNS as C } from './auditRowQuery.js';
import type { CopyRow } from './copyRows.js';
import { byteStringOf, jsonStringOfBytes, textOfBytes } from './copyRows.js';
import { canonicalOfMembers, flatJsonbMembers } from './flatJsonbMetadata.js';

/*
 * The verifier's chain hash of a stored row, straight from its COPY text: the bytes of
 * chainHashOfText's canonical JSON array (chainHash.ts) are assembled as a byte string
 * (copyRows.ts) from slices of the row, instead of decoding every column into a string,
 * building an array and JSON.stringify-ing it. Columns that need no JSON escaping (nearly
 * all) are copied as they are; chainRowHash.test.ts checks the bytes against chainHashOfText.
 */

/** Rebuilds the canonical metadata text from its stored (parsed) value; undefined when the writer could not have stored it. */
function canonicalOfParsed(stored: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return undefined;
  }
  return canonicalMetadata(parsed as AuditMetadata) ?? undefined;
}

/**
 * The metadata element of the canonical array as JSON bytes: `null`, or the JSON string of
 * the canonical metadata text; undefined when the stored value is not one the writer could make.
 */
function metadataElement(row: CopyRow): string | undefined {
  const printed = row.value(C.metadata);
  if (printed === null) return 'null';
  const members = flatJsonbMembers(printed);
  const canonical = members === null ? null : canonicalOfMembers(members);
  if (canonical !== null) {
    // Keys are identifiers and values hold no backslash or control character: the only
    // character the JSON string must escape is the quote.
    return `"${canonical.replaceAll('"', '\\"')}"`;
  }
  const general = canonicalOfParsed(textOfBytes(printed));
  return general === undefined ? undefined : jsonStringOfBytes(byteStringOf(general));
}

/**
 * occurred_at as selected with microseconds ("YYYY-MM-DDTHH:MM:SS.uuuuuuZ", 27 chars, by
 * to_char in auditRowsSql); the writer only stores whole milliseconds, so the last three
 * digits must be 0. Returns the JSON string of the millisecond ISO text the writer hashed,
 * else null. The length rule is the text's (UTF-16) length, as chainHashOfText sees it.
 */
function millisecondTimeElement(bytes: string | null): string | null {
  if (bytes === null) return null;
  if (bytes.length === 27 && isPrintableAscii(bytes)) {
    // 27 ASCII bytes are 27 chars; printable ASCII but quote and backslash needs no JSON escape.
    return bytes.endsWith('000Z') ? `"${bytes.slice(0, 23)}Z"` : null;
  }
  const text = textOfBytes(bytes);
  return text.length === 27 && text.endsWith('000Z') ? jsonStringOfBytes(byteStringOf(`${text.slice(0, 23)}Z`)) : null;
}

/** True when every char is printable ASCII other than quote and backslash (a short loop: cheaper than a regular expression here). */
function isPrintableAscii(bytes: string): boolean {
  for (let i = 0; i < bytes.length; i += 1) {
    const code = bytes.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

// eslint-disable-next-line no-control-regex -- any char outside ASCII, whatever it is
const NON_ASCII = /[^\u0000-\u007f]/;

/** Computes stored rows' chain hashes for one practice, reusing one input buffer. */
export class ChainRowHasher {
  readonly #practiceElement: string;
  #input = Buffer.allocUnsafe(4_096);

  constructor(practiceId: string) {
    this.#practiceElement = jsonStringOfBytes(byteStringOf(practiceId));
  }

  /**
   * Hex chain hash (chainHashOfText) of `row` linked to `prevHash` (64 hex digits), or null
   * when a column cannot be what the writer stored.
   */
  hashOf(row: CopyRow, prevHash: string): string | null {
    const time = millisecondTimeElement(row.value(C.occurredAt));
    const metadata = metadataElement(row);
    if (time === null || metadata === undefined || row.isNull(C.seq) || row.isNull(C.action) || row.isNull(C.outcome)) {
      return null;
    }
    const canonical =
      `["${prevHash}",${this.#practiceElement},${row.jsonValue(C.seq)},${time},` +
      `${row.jsonValue(C.actorUserId)},${row.jsonValue(C.actorRole)},${row.jsonValue(C.action)},` +
      `${row.jsonValue(C.entityType)},${row.jsonValue(C.entityId)},${row.jsonValue(C.patientId)},` +
      `${row.jsonValue(C.outcome)},${row.jsonValue(C.ip)},${row.jsonValue(C.userAgent)},` +
      `${row.jsonValue(C.requestId)},${metadata}]`;
    // Read from an ASCII chunk, every element is ASCII but perhaps a metadata value that
    // took the JSON.parse path: then the byte string is its own UTF-8 text and hash() can
    // take it as a string (one native call instead of a buffer write, a view and a hash).
    if (row.ascii && (metadata === 'null' || !NON_ASCII.test(metadata))) {
      return hash('sha256', canonical, 'hex');
    }
    if (canonical.length > this.#input.length) {
      this.#input = Buffer.allocUnsafe(canonical.length * 2);
    }
    // One native copy of the assembled bytes, then a one-shot hash of them (no Hash object).
    const length = this.#input.write(canonical, 0, 'latin1');
    return hash('sha256', this.#input.subarray(0, length), 'hex');
  }
}

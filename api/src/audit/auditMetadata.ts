/**
 * Non-PHI facts attached to an audit event (export filters, verification results, search
 * filters): identifiers, dates, counts, codes. Flat and limited to values that survive a
 * PostgreSQL jsonb round trip unchanged (strings without NUL, safe integers, booleans,
 * null), so a verifier re-reading the row recomputes exactly the hash the writer made.
 */
export type AuditMetadataValue = string | number | boolean | null;
export type AuditMetadata = Readonly<Record<string, AuditMetadataValue>>;

const MAX_KEYS = 32;
const MAX_KEY_LENGTH = 64;
const MAX_STRING_LENGTH = 256;
const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Throws when metadata could not be stored and re-read byte-identically (a programming error). */
export function assertValidMetadata(metadata: AuditMetadata): void {
  const keys = Object.keys(metadata);
  if (keys.length > MAX_KEYS) {
    throw new Error('audit metadata has too many keys');
  }
  for (const key of keys) {
    if (key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) {
      throw new Error('audit metadata key is not a plain identifier');
    }
    const value = metadata[key];
    if (typeof value === 'string') {
      if (value.length > MAX_STRING_LENGTH || value.includes('\u0000')) {
        throw new Error(`audit metadata value for ${key} is too long or contains NUL`);
      }
    } else if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) {
        throw new Error(`audit metadata value for ${key} is not a safe integer`);
      }
    } else if (value !== null && typeof value !== 'boolean') {
      throw new Error(`audit metadata value for ${key} has an unsupported type`);
    }
  }
}

/**
 * Canonical text of metadata for the hash chain: keys in code-unit order, JSON values
 * (RFC 8259). jsonb reorders keys and reformats whitespace, so the stored text itself
 * cannot be hashed; this form is recomputed from the parsed value on both sides.
 */
export function canonicalMetadata(metadata: AuditMetadata | null): string | null {
  if (metadata === null) {
    return null;
  }
  const keys = Object.keys(metadata).sort();
  const parts = keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(metadata[key])}`);
  return `{${parts.join(',')}}`;
}

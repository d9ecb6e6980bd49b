/**
 * Reads audit metadata as PostgreSQL prints a jsonb object, for the shapes the audit writer
 * stores (auditMetadata.ts: flat, identifier keys, strings, safe integers, booleans, null),
 * without JSON.parse. jsonb output is canonical: `{"key": value, "key": value}`, keys
 * unique, ordered by length then bytes, strings escaped only where needed. Anything else
 * (an escaped string, a fraction, a nested value) returns null and the caller takes the
 * general JSON.parse path, so the result never depends on this reader's coverage.
 */

/**
 * One `"key": value` member and what follows it. Strings without backslash or control
 * characters read back as themselves; integers of up to 15 digits are safe (< 2^53) and
 * print back unchanged through JSON.stringify(Number(text)) (no leading zero, no -0).
 */
// eslint-disable-next-line no-control-regex -- control characters must keep a value off this path
const MEMBER = /"([A-Za-z][A-Za-z0-9_]*)": ("[^"\\\u0000-\u001f]*"|0|-?[1-9][0-9]{0,14}|true|false|null)(, |\})/y;

/** A member: its key (needs no JSON escaping) and its value's JSON text as jsonb printed it. */
export type FlatMember = readonly [key: string, valueJson: string];

/**
 * The members of a jsonb object's text in the order printed, or null when the text is not
 * a flat object of the writer's shape. Works on byte strings (copyRows.ts) as on text.
 */
export function flatJsonbMembers(printed: string): FlatMember[] | null {
  if (printed === '{}') return [];
  if (!printed.startsWith('{')) return null;
  const members: FlatMember[] = [];
  MEMBER.lastIndex = 1;
  for (;;) {
    const match = MEMBER.exec(printed);
    if (match === null) return null;
    members.push([match[1] ?? '', match[2] ?? '']);
    if (match[3] === '}') {
      return MEMBER.lastIndex === printed.length ? members : null;
    }
  }
}

/**
 * canonicalMetadata (auditMetadata.ts) of the parsed members: keys in code-unit order,
 * `"key":value` joined by commas; null when a key repeats (jsonb never repeats one).
 */
export function canonicalOfMembers(members: readonly FlatMember[]): string | null {
  const sorted = [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < sorted.length; i += 1) {
    if (sorted[i]?.[0] === sorted[i - 1]?.[0]) return null;
  }
  return `{${sorted.map(([key, value]) => `"${key}":${value}`).join(',')}}`;
}

/**
 * One rule for text in every request (path parameters, query and JSON body, keys included):
 * no C0 control characters other than tab, line feed and carriage return, and no unpaired
 * UTF-16 surrogates. PostgreSQL refuses NUL in text (SQLSTATE 22021) and the UTF-8 encoder
 * silently replaces lone surrogates with U+FFFD, so both are refused before any route runs.
 */

// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` is acceptable by the rule above. */
export function isCleanText(text: string): boolean {
  return !FORBIDDEN_CONTROLS.test(text) && !LONE_SURROGATE.test(text);
}

/**
 * The dotted path of the first string (or object key) in `value` that breaks the rule, or
 * null. Iterative, so a deeply nested body cannot exhaust the stack; binary bodies (photo
 * uploads arrive as Buffers) are not text and are skipped.
 */
export function findInvalidText(value: unknown): string | null {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const current = item.value;
    if (typeof current === 'string') {
      if (!isCleanText(current)) return item.path;
      continue;
    }
    if (typeof current !== 'object' || current === null || ArrayBuffer.isView(current)) continue;
    for (const [key, child] of Object.entries(current)) {
      const path = item.path === '' ? key : `${item.path}.${key}`;
      // Report a bad key by its position only: the key itself is the offending text.
      if (!isCleanText(key)) return item.path === '' ? '(a key)' : `${item.path}.(a key)`;
      pending.push({ value: child, path });
    }
  }
  return null;
}

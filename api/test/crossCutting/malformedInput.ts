/**
 * Deterministic generators of malformed requests for the fuzz suite. Everything is
 * driven by one seeded PRNG so a failure reproduces from its seed and index.
 */

/** mulberry32: a tiny, well-mixed 32-bit PRNG (public-domain algorithm by Tommy Ettinger). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Fuzzer {
  constructor(readonly random: () => number) {}

  int(maxExclusive: number): number {
    return Math.floor(this.random() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[this.int(items.length)] as T;
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  /** Strings that tend to break parsers, validators and SQL. */
  nastyString(): string {
    const pool = [
      '',
      ' ',
      'null',
      'undefined',
      '0',
      '-1',
      '1e309',
      'NaN',
      'true',
      "'; DROP TABLE users; --",
      '" OR 1=1 --',
      '\u0000',
      'a\u0000b',
      '\uD800',
      '\uFFFF\uFFFE',
      '😀'.repeat(50),
      '../../../etc/passwd',
      '%00%ff',
      '<script>alert(1)</script>',
      '${jndi:ldap://x}',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '123e4567-e89b-12d3-a456-42661417400',
      '2024-02-30T25:61:00Z',
      '9999-12-31T23:59:59Z',
      '-000001-01-01T00:00:00Z',
      '__proto__',
      'constructor',
      'a'.repeat(10_000),
      'x'.repeat(100_000),
    ];
    if (this.chance(0.2)) {
      return Array.from({ length: this.int(40) }, () => String.fromCharCode(this.int(0x3000))).join('');
    }
    return this.pick(pool);
  }

  /** Any JSON value of bounded size, with a bias toward odd shapes. */
  jsonValue(depth = 0): unknown {
    const kind = this.int(depth > 3 ? 6 : 9);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE, 42]);
      case 3:
      case 4:
      case 5:
        return this.nastyString();
      case 6:
        return Array.from({ length: this.int(5) }, () => this.jsonValue(depth + 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let index = this.int(6); index > 0; index -= 1) {
          object[this.chance(0.3) ? this.nastyString().slice(0, 50) : `k${this.int(20)}`] = this.jsonValue(depth + 1);
        }
        return object;
      }
    }
  }

  /** Nested arrays/objects far deeper than any schema expects. */
  deepNesting(): string {
    const depth = 1_000 + this.int(20_000);
    return this.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  }

  /** Text that is not JSON, or is truncated JSON. */
  invalidJsonText(): string {
    return this.pick([
      '{',
      '{"a":',
      "{'a': 1}",
      '{"a": 1,}',
      '[1, 2',
      'undefined',
      'NaN',
      '{"a": 01}',
      '\u0000',
      '{"a":"\\u12"}',
      '\uFEFF{"a":1}',
      '{"a":1}{"b":2}',
      '{"__proto__": {"polluted": true}}',
      this.nastyString(),
    ]);
  }

  /** A replacement for a path parameter: not an id of anything, sometimes not even text. */
  badPathSegment(): string {
    const raw = this.pick([
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
      '123e4567-e89b-12d3-a456-4266141740000',
      '%',
      '%E0%A4%A',
      '%00',
      '..',
      '%2e%2e%2f',
      'a'.repeat(3_000),
      '-1',
      '1.5',
      'null',
      '%F0%9F%98%80',
      "'%20OR%201=1",
    ]);
    return raw;
  }

  /** A random query string with odd keys, repeated keys and odd values. */
  queryString(): string {
    const parts: string[] = [];
    for (let index = this.int(5); index >= 0; index -= 1) {
      const key = this.pick(['limit', 'offset', 'role', 'from', 'to', 'q', 'a[b]', 'a[]', '__proto__', 'k']);
      const value = this.pick(['-1', '1e999', 'abc', '', '%', '%ZZ', 'x'.repeat(2_000), '0x10', 'true', 'patient']);
      parts.push(`${encodeURIComponent(key)}=${value}`);
      if (this.chance(0.2)) parts.push(`${encodeURIComponent(key)}=${value}`);
    }
    return parts.join('&');
  }
}

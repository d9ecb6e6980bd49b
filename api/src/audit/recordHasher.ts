import { hash as oneShotHash } from 'node:crypto';

/**
 * SHA-256 of many equal-sized records with one buffer write for all of them.
 *
 * Why: on the verifier's hot path each Merkle leaf and node input is a few dozen bytes, and
 * there the cost is in crossing from JavaScript into native code, not in hashing (each
 * Buffer#write or subarray costs about as much as the SHA-256 itself; measured in
 * bench/README.md, "Audit export vs COPY"). So a batch of inputs is written into one buffer
 * with a single call, and each record is hashed through a view created once and reused,
 * leaving one native call per hash.
 *
 * Hashes are returned as 32-character latin1 strings (one char per byte), the form the
 * Merkle code keeps them in (merkleTree.ts).
 */
export class RecordHasher {
  #buffer: Buffer = Buffer.alloc(0);
  #views: Buffer[] = [];

  /** @param recordBytes size of every record in bytes */
  constructor(private readonly recordBytes: number) {}

  /**
   * Hashes `count` records laid end to end in `records`, written as `encoding` ('hex': two
   * digits per byte; 'latin1': one char per byte). The records must fill `records` exactly.
   */
  hashAll(records: string, count: number, encoding: 'hex' | 'latin1'): string[] {
    const bytes = count * this.recordBytes;
    const expectedChars = encoding === 'hex' ? 2 * bytes : bytes;
    if (records.length !== expectedChars) {
      throw new Error(`record batch has ${records.length} chars, ${count} records need ${expectedChars}`);
    }
    this.#reserve(count);
    // Hashing is synchronous, so one shared buffer serves every caller in turn.
    const written = this.#buffer.write(records, 0, bytes, encoding);
    if (written !== bytes) {
      throw new Error(`record batch is not valid ${encoding}`);
    }
    const hashes: string[] = [];
    for (const view of this.#views) {
      if (hashes.length === count) break;
      hashes.push(oneShotHash('sha256', view, 'binary'));
    }
    return hashes;
  }

  #reserve(count: number): void {
    if (count <= this.#views.length) return;
    const capacity = Math.max(count, 2 * this.#views.length, 256);
    this.#buffer = Buffer.alloc(capacity * this.recordBytes);
    this.#views = Array.from({ length: capacity }, (_, i) =>
      this.#buffer.subarray(i * this.recordBytes, (i + 1) * this.recordBytes),
    );
  }
}

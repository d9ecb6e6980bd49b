import { createHash } from 'node:crypto';
import { RecordHasher } from './recordHasher.js';

/**
 * Per-practice Merkle tree over the audit events, hashed as RFC 9162 (Certificate
 * Transparency 2.0) §2.1.1 defines it:
 *
 *   MTH({})      = SHA-256()
 *   leaf hash    = SHA-256(0x00 || leaf data)
 *   node hash    = SHA-256(0x01 || left || right)
 *   MTH(D[n])    = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n.
 *
 * Leaf data of event seq s (leaf index s - 1) is the 32 raw bytes of the event's chain
 * hash (`audit_events.hash`, hex-decoded). The chain hash already commits to every stored
 * column and to the previous event, so the tree commits to exactly what the chain does,
 * and the verifier needs no second canonical encoding per row.
 */

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
/** SHA-256 output size (FIPS 180-4). */
export const HASH_BYTES = 32;

/** MTH of the empty tree (RFC 9162 §2.1.1): the hash of an empty string. */
export const EMPTY_ROOT = createHash('sha256').digest();

/*
 * Hashes travel as 32-character latin1 strings, one byte per char: Node's one-shot hash()
 * returning a string ('binary' is Node's name for latin1 output) is several times faster
 * than returning a Buffer. Leaves and nodes are hashed in batches (recordHasher.ts), so the
 * verifier makes one native call per hash; the Buffer functions below wrap these.
 */

const leafRecords = new RecordHasher(1 + HASH_BYTES);
const nodeRecords = new RecordHasher(1 + 2 * HASH_BYTES);
const LEAF_PREFIX_HEX = LEAF_PREFIX.toString(16).padStart(2, '0');
const NODE_PREFIX_LATIN1 = String.fromCharCode(NODE_PREFIX);

/**
 * Leaf hashes (latin1) of events from their hex chain hashes (each 64 hex digits), hashed
 * as one batch (recordHasher.ts): the verifier's hot path.
 */
export function leavesOfChainHashes(chainHashesHex: readonly string[]): string[] {
  let records = '';
  for (const hex of chainHashesHex) records += LEAF_PREFIX_HEX + hex;
  return leafRecords.hashAll(records, chainHashesHex.length, 'hex');
}

/** Interior node hashes of consecutive pairs (items[0], items[1]), (items[2], items[3]), ... as one batch. */
function nodesOfPairs(items: readonly string[], pairs: number): string[] {
  let records = '';
  // A missing item leaves the batch short, which hashAll refuses.
  for (let i = 0; i < 2 * pairs; i += 2) records += NODE_PREFIX_LATIN1 + (items[i] ?? '') + (items[i + 1] ?? '');
  return nodeRecords.hashAll(records, pairs, 'latin1');
}

function onlyHash(hashes: readonly string[]): string {
  const [hash] = hashes;
  if (hash === undefined || hashes.length !== 1) throw new Error('expected exactly one hash');
  return hash;
}

/** Interior node hash of two latin1 hashes. */
function nodeLatin1(left: string, right: string): string {
  return onlyHash(nodesOfPairs([left, right], 1));
}

/** Leaf hash of raw leaf data. */
export function leafHashOfBytes(data: Buffer): Buffer {
  return createHash('sha256').update(Buffer.of(LEAF_PREFIX)).update(data).digest();
}

/** Leaf hash of an event from its hex chain hash. */
export function leafHashOfChainHash(chainHashHex: string): Buffer {
  return Buffer.from(onlyHash(leavesOfChainHashes([chainHashHex])), 'latin1');
}

/** Interior node hash. */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return Buffer.from(nodeLatin1(left.toString('latin1'), right.toString('latin1')), 'latin1');
}

/** Largest power of two strictly smaller than n (n >= 2), the split point of RFC 9162 §2.1.1. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The compact frontier of a tree: the roots of the perfect subtrees along its right edge,
 * largest (leftmost) first, one per set bit of the size. Appending a leaf merges equal-sized
 * subtrees like a binary carry, so an append costs O(log n) hashes and O(log n) storage.
 */
export class MerkleFrontier {
  private constructor(
    private treeSize: number,
    /** latin1 strings of 32 chars (see the hot path note above). */
    private readonly roots: string[],
  ) {}

  static empty(): MerkleFrontier {
    return new MerkleFrontier(0, []);
  }

  /** Decodes the stored form (concatenated 32-byte roots, largest first) for a known size. */
  static decode(size: number, stored: Buffer | null): MerkleFrontier {
    const bytes = stored ?? Buffer.alloc(0);
    const expected = popCount(size);
    if (bytes.length !== expected * HASH_BYTES) {
      throw new Error(`stored Merkle frontier has ${bytes.length} bytes, a tree of size ${size} needs ${expected * HASH_BYTES}`);
    }
    const roots: string[] = [];
    for (let i = 0; i < expected; i += 1) {
      roots.push(bytes.toString('latin1', i * HASH_BYTES, (i + 1) * HASH_BYTES));
    }
    return new MerkleFrontier(size, roots);
  }

  get size(): number {
    return this.treeSize;
  }

  /** The stored form: the roots concatenated, largest subtree first. */
  encode(): Buffer {
    return Buffer.from(this.roots.join(''), 'latin1');
  }

  /** Appends one leaf hash. */
  append(leaf: Buffer): void {
    this.appendLatin1([leaf.toString('latin1')]);
  }

  /**
   * Appends leaf hashes given as latin1 strings, level by level: at each level the new
   * nodes are paired (the first with the frontier's root of that level when the old size
   * has that bit set) and all pairs of the level are hashed as one batch. An odd node left
   * at the end of a level is the new tree's root of that level.
   */
  appendLatin1(leaves: readonly string[]): void {
    const newRoots: string[] = [];
    let items = leaves;
    // Nodes of the current level that lie before the first new one (size >> level).
    let before = this.treeSize;
    while (items.length > 0) {
      let level = items;
      if (before % 2 === 1) {
        const left = this.roots.pop();
        if (left === undefined) throw new Error('Merkle frontier shorter than its size');
        level = [left, ...items];
      }
      const pairs = Math.floor(level.length / 2);
      const unpaired = level.length % 2 === 1 ? level.at(-1) : undefined;
      if (unpaired !== undefined) newRoots.push(unpaired);
      items = pairs === 0 ? [] : nodesOfPairs(level, pairs);
      before = Math.floor(before / 2);
    }
    // Roots left in place are of higher levels than any new one; new roots go largest first.
    this.roots.push(...newRoots.reverse());
    this.treeSize += leaves.length;
  }

  /** MTH of the whole tree: the frontier folded from the right (RFC 9162 §2.1.1 split rule). */
  root(): Buffer {
    const last = this.roots[this.roots.length - 1];
    if (last === undefined) return EMPTY_ROOT;
    let node = last;
    for (let i = this.roots.length - 2; i >= 0; i -= 1) {
      const left = this.roots[i];
      if (left === undefined) throw new Error('Merkle frontier has a hole');
      node = nodeLatin1(left, node);
    }
    return Buffer.from(node, 'latin1');
  }
}

function popCount(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest & 1;
  return count;
}

/** Leaf hashes D[0:n] of a tree, as a provider the proof functions read ranges from. */
export interface LeafSource {
  readonly size: number;
  leaf: (index: number) => Buffer;
}

/** A LeafSource over an array of leaf hashes. */
export function leavesOf(leaves: readonly Buffer[]): LeafSource {
  return {
    size: leaves.length,
    leaf: (index) => {
      const value = leaves[index];
      if (value === undefined) throw new RangeError(`leaf ${index} outside the tree`);
      return value;
    },
  };
}

/** MTH(D[start:end]) by the recursive definition of RFC 9162 §2.1.1. */
export function subtreeRoot(leaves: LeafSource, start: number, end: number): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves.leaf(start);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, start, start + k), subtreeRoot(leaves, start + k, end));
}

/** Inclusion proof PATH(m, D[0:n]) (RFC 9162 §2.1.3.1), leaf index m, siblings bottom first. */
export function inclusionProof(leaves: LeafSource, index: number, treeSize: number): Buffer[] {
  if (!Number.isInteger(index) || !Number.isInteger(treeSize) || index < 0 || index >= treeSize || treeSize > leaves.size) {
    throw new RangeError('leaf index outside the tree');
  }
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, start, start + k), subtreeRoot(leaves, start + k, end)]
      : [...path(m - k, start + k, end), subtreeRoot(leaves, start, start + k)];
  };
  return path(index, 0, treeSize);
}

/** Consistency proof PROOF(m, D[0:n]) (RFC 9162 §2.1.4.1) between sizes 0 < m <= n. */
export function consistencyProof(leaves: LeafSource, oldSize: number, newSize: number): Buffer[] {
  if (!Number.isInteger(oldSize) || !Number.isInteger(newSize) || oldSize < 1 || oldSize > newSize || newSize > leaves.size) {
    throw new RangeError('consistency proof sizes out of range');
  }
  const subproof = (m: number, start: number, end: number, complete: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return complete ? [] : [subtreeRoot(leaves, start, end)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, start, start + k, complete), subtreeRoot(leaves, start + k, end)]
      : [...subproof(m - k, start + k, end, false), subtreeRoot(leaves, start, start + k)];
  };
  return subproof(oldSize, 0, newSize, true);
}

/** Verifies an inclusion proof (RFC 9162 §2.1.3.2). */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leaf: Buffer,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (leafIndex >= treeSize || leafIndex < 0) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** Verifies a consistency proof between two tree heads (RFC 9162 §2.1.4.2). */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Buffer,
  newRoot: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (oldSize < 1 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  // Step 1: when the old size is a power of two, the old root is the first proof node.
  const path = (oldSize & (oldSize - 1)) === 0 ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  // Step 3: skip the levels where the old tree's last node is a right child already.
  while ((fn & 1) === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const first = path[0];
  if (first === undefined) return false;
  let fr = first;
  let sr = first;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}

import { createHash } from 'node:crypto';
import {
  EMPTY_ROOT,
  MerkleFrontier,
  consistencyProof,
  inclusionProof,
  leafHashOfBytes,
  leafHashOfChainHash,
  leavesOfChainHashes,
  leavesOf,
  subtreeRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkleTree.js';

/** Element i, which the test knows exists. */
function at<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`no element ${i}`);
  return item;
}

const sha = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();

/** The RFC 9162 §2.1.1 definition written out naively, independent of the module. */
function naiveRoot(leafData: readonly Buffer[]): Buffer {
  if (leafData.length === 0) return sha();
  if (leafData.length === 1) return sha(Buffer.of(0), at(leafData, 0));
  let k = 1;
  while (k * 2 < leafData.length) k *= 2;
  return sha(Buffer.of(1), naiveRoot(leafData.slice(0, k)), naiveRoot(leafData.slice(k)));
}

const chainHashes = Array.from({ length: 70 }, (_, i) => createHash('sha256').update(`event ${i}`).digest('hex'));
const data = chainHashes.map((hex) => Buffer.from(hex, 'hex'));
const leaves = chainHashes.map(leafHashOfChainHash);

/** The stored frontier after appending leaves one at a time. */
function decodedAfterSingles(size: number): Buffer {
  const frontier = MerkleFrontier.empty();
  for (const leaf of leaves.slice(0, size)) frontier.append(leaf);
  return frontier.encode();
}

describe('RFC 9162 Merkle tree', () => {
  it('hashes leaves with the 0x00 prefix and the empty tree as SHA-256 of nothing', () => {
    expect(leafHashOfChainHash(at(chainHashes, 0))).toEqual(sha(Buffer.of(0), data[0] as Buffer));
    expect(leafHashOfBytes(Buffer.from('abc'))).toEqual(sha(Buffer.of(0), Buffer.from('abc')));
    expect(EMPTY_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('keeps a compact frontier whose root equals MTH for every size, and survives encode/decode', () => {
    let frontier = MerkleFrontier.empty();
    expect(frontier.root()).toEqual(sha());
    for (let n = 1; n <= leaves.length; n += 1) {
      frontier.append(at(leaves, n - 1));
      expect(frontier.root()).toEqual(naiveRoot(data.slice(0, n)));
      expect(subtreeRoot(leavesOf(leaves), 0, n)).toEqual(frontier.root());
      frontier = MerkleFrontier.decode(n, frontier.encode());
    }
  });

  it('gives the same tree when leaves arrive in batches of any size, from any starting size', () => {
    const latin1 = leaves.map((leaf) => leaf.toString('latin1'));
    for (let batch = 2; batch <= 9; batch += 1) {
      for (let start = 0; start < 20; start += 1) {
        const frontier = MerkleFrontier.empty();
        frontier.appendLatin1(latin1.slice(0, start));
        let size = start;
        while (size < latin1.length) {
          const next = Math.min(latin1.length, size + batch + (size % 3));
          frontier.appendLatin1(latin1.slice(size, next));
          size = next;
          expect(frontier.size).toBe(size);
          expect(frontier.root()).toEqual(naiveRoot(data.slice(0, size)));
          expect(frontier.encode()).toEqual(decodedAfterSingles(size));
        }
      }
    }
    expect(leavesOfChainHashes(chainHashes)).toEqual(latin1);
  });

  it('produces inclusion proofs that verify, and refuses altered ones', () => {
    const source = leavesOf(leaves);
    for (let n = 1; n <= 40; n += 1) {
      const root = subtreeRoot(source, 0, n);
      for (let m = 0; m < n; m += 1) {
        const proof = inclusionProof(source, m, n);
        expect(verifyInclusion(m, n, at(leaves, m), proof, root)).toBe(true);
        expect(verifyInclusion(m, n, at(leaves, (m + 1) % leaves.length), proof, root)).toBe(false);
        if (proof.length > 0) {
          expect(verifyInclusion(m, n, at(leaves, m), proof.slice(1), root)).toBe(false);
        }
      }
    }
  });

  it('produces consistency proofs that verify, and catches a different old tree', () => {
    const source = leavesOf(leaves);
    const forked = leavesOf(leaves.map((leaf, i) => (i === 2 ? leafHashOfBytes(Buffer.from('forged')) : leaf)));
    for (let n = 1; n <= 40; n += 1) {
      const newRoot = subtreeRoot(source, 0, n);
      for (let m = 1; m <= n; m += 1) {
        const oldRoot = subtreeRoot(source, 0, m);
        const proof = consistencyProof(source, m, n);
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof)).toBe(true);
        if (m > 2) {
          // A checkpoint of a history that differed at leaf 2 cannot be proven a prefix of this one.
          expect(verifyConsistency(m, n, subtreeRoot(forked, 0, m), newRoot, proof)).toBe(false);
        }
      }
    }
  });
});

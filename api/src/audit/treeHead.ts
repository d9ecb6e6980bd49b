import { compactVerify } from 'jose';
import type { ClientBase } from 'pg';
import type { EntityManager } from 'typeorm';
import type { AuditJwsSigner, ManifestKey } from './exportManifest.js';
import { MANIFEST_ALGORITHM } from './exportManifest.js';
import { HASH_BYTES, MerkleFrontier, leafHashOfChainHash } from './merkleTree.js';
import type { LeafSource } from './merkleTree.js';

/** JWS "typ" (RFC 7515 §4.1.9) of a signed tree head, so it is never taken for a token or manifest. */
export const TREE_HEAD_TYPE = 'audit-tree-head+json';

/**
 * A signed tree head (RFC 9162 §4.10 in spirit) of one practice's audit Merkle tree. The
 * field names are the wire form: `root_hash` is lower-case hex of the 32-byte MTH, `time`
 * the ISO 8601 instant the head was read, `tree_size` the number of events (= last seq).
 */
export interface TreeHead {
  practice: string;
  tree_size: number;
  root_hash: string;
  time: string;
}

/** The tree head as stored with the chain head. Call inside the practice's tenant transaction. */
export async function readTreeHead(manager: EntityManager, practiceId: string): Promise<TreeHead> {
  const rows = await manager.query<{ last_seq: string; tree_frontier: Buffer }[]>(
    'SELECT last_seq::text AS last_seq, tree_frontier FROM audit_chain_heads WHERE practice_id = $1',
    [practiceId],
  );
  const row = rows[0];
  const size = row === undefined ? 0 : Number(row.last_seq);
  const frontier = row === undefined ? MerkleFrontier.empty() : MerkleFrontier.decode(size, row.tree_frontier);
  return {
    practice: practiceId.toLowerCase(),
    tree_size: size,
    root_hash: frontier.root().toString('hex'),
    time: new Date().toISOString(),
  };
}

/** Signs a tree head with the API signing key (ES256, kid in the JWKS). */
export function signTreeHead(signer: AuditJwsSigner, head: TreeHead): Promise<string> {
  return signer.signJson(head, TREE_HEAD_TYPE);
}

function isTreeHead(value: unknown): value is TreeHead {
  const v = value as Partial<TreeHead> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.practice === 'string' &&
    typeof v.tree_size === 'number' &&
    Number.isSafeInteger(v.tree_size) &&
    v.tree_size >= 0 &&
    typeof v.root_hash === 'string' &&
    /^[0-9a-f]{64}$/.test(v.root_hash) &&
    typeof v.time === 'string'
  );
}

/**
 * Verifies a signed tree head and returns it. ES256 only (RFC 8725 §3.1) and the tree head
 * "typ" only, so an export manifest or an access token signed by the same key is refused.
 */
export async function verifyTreeHead(jws: string, key: ManifestKey): Promise<TreeHead> {
  const options = { algorithms: [MANIFEST_ALGORITHM] };
  const { payload, protectedHeader } =
    typeof key === 'function' ? await compactVerify(jws, key, options) : await compactVerify(jws, key, options);
  if (protectedHeader.typ !== TREE_HEAD_TYPE) {
    throw new Error('not a signed audit tree head');
  }
  const head: unknown = JSON.parse(Buffer.from(payload).toString('utf8'));
  if (!isTreeHead(head)) {
    throw new Error('signed tree head has missing or malformed fields');
  }
  return head;
}

/** Leaf hashes in one contiguous buffer (32 bytes each): a million leaves are 32 MB, no per-leaf objects. */
export class LeafBuffer implements LeafSource {
  private bytes = Buffer.alloc(HASH_BYTES * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leaf: Buffer): void {
    if ((this.count + 1) * HASH_BYTES > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown);
      this.bytes = grown;
    }
    leaf.copy(this.bytes, this.count * HASH_BYTES);
    this.count += 1;
  }

  /** Appends a leaf given as a latin1 string (merkleTree.ts hot path). */
  pushLatin1(leaf: string): void {
    if ((this.count + 1) * HASH_BYTES > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown);
      this.bytes = grown;
    }
    this.bytes.write(leaf, this.count * HASH_BYTES, HASH_BYTES, 'latin1');
    this.count += 1;
  }

  leaf(index: number): Buffer {
    if (index < 0 || index >= this.count) throw new RangeError(`leaf ${index} outside the tree`);
    return this.bytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }
}

/**
 * The leaf hashes of events 1..treeSize, from their stored chain hashes, for proofs. It
 * reads treeSize hashes (O(n)); the tree head itself never needs this (see readTreeHead).
 */
export async function loadLeaves(query: ClientBase | EntityManager, practiceId: string, treeSize: number): Promise<LeafBuffer> {
  const sql = 'SELECT hash FROM audit_events WHERE practice_id = $1 AND seq <= $2 ORDER BY seq';
  const params = [practiceId, treeSize];
  const rows: { hash: string }[] =
    'connection' in query
      ? await query.query<{ hash: string }[]>(sql, params)
      : (await query.query<{ hash: string }>(sql, params)).rows;
  const leaves = new LeafBuffer();
  for (const row of rows) leaves.push(leafHashOfChainHash(row.hash));
  return leaves;
}

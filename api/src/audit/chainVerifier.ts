import type { ClientBase } from 'pg';
import { TENANT_SETTING } from '../db/appRole.js';
import { AUDIT_COLUMNS as C, auditRowsCopySql } from './auditRowQuery.js';
import { copyOut } from './copyOutStream.js';
import { GENESIS_HASH } from './chainHash.js';
import { ChainRowHasher } from './chainRowHash.js';
import type { CopyRow } from './copyRows.js';
import type { LineTaker } from './copyRows.js';
import { CopyRowReader, copyFieldText, lineColumnRaw } from './copyRows.js';
import type { NativeChainLinks } from './chainLinks.js';
import { nativeChainLinks } from './chainLinks.js';
import { MerkleFrontier, leavesOfChainHashes } from './merkleTree.js';
import { LeafBuffer } from './treeHead.js';

/** Why a link of the chain is broken. */
export type ChainBreakReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'head_mismatch' | 'tree_head_mismatch';

/** The first place where the stored chain stops proving itself. */
export interface ChainBreak {
  /**
   * seq of the offending event. For seq_gap it is the seq actually found where the next
   * one was expected; for head_mismatch it is the last event's seq (0 when there is none).
   */
  seq: number;
  /** The offending event's id; null for head_mismatch when the chain has no events. */
  eventId: string | null;
  reason: ChainBreakReason;
}

export interface ChainVerification {
  ok: boolean;
  /** Events that verified, in seq order, before the first break (all of them when ok). */
  checkedCount: number;
  firstBroken?: ChainBreak;
  /**
   * The RFC 9162 Merkle tree recomputed from every stored row's chain hash (api/src/audit/
   * merkleTree.ts), whether or not the chain verified: size, and root as lower-case hex.
   */
  tree: { size: number; rootHash: string };
  /** Root (hex) of the recomputed tree at each size asked for in `options.rootsAt` that it reached. */
  rootsAt: Map<number, string>;
  /** Every leaf hash, when `options.keepLeaves` asked for them (to build consistency proofs). */
  leaves?: LeafBuffer;
}

export interface ChainVerifyOptions {
  /** Tree sizes (e.g. of saved checkpoints) whose root to record during the walk. */
  rootsAt?: ReadonlySet<number>;
  keepLeaves?: boolean;
  /** false: the JavaScript walk alone, without the native fast path (chainLinks.ts) even where it is built. */
  native?: boolean;
}

const HEX_HASH = /^[0-9a-f]{64}$/;

/** Walks one practice's rows in seq order, remembering only the previous link (flat memory). */
class ChainWalk {
  checkedCount = 0;
  firstBroken: ChainBreak | undefined;
  lastSeq = 0;
  /** id of the last verified event as COPY wrote it (decoded only if a break is reported). */
  lastIdColumn: string | null = null;
  lastHash = GENESIS_HASH;
  readonly frontier = MerkleFrontier.empty();
  readonly rootsAt = new Map<number, string>();
  readonly leaves: LeafBuffer | undefined;
  readonly #hasher: ChainRowHasher;
  /** Stored hashes of rows read but not yet in the tree: the tree grows a chunk at a time (recordHasher.ts). */
  #pendingLeaves: string[] = [];
  readonly #native: NativeChainLinks | undefined;
  /** Tree sizes whose root is asked for, ascending. */
  readonly #rootSizes: number[];
  /** Offered the reader's lines first (chainLinks.ts); undefined without the native fast path. */
  readonly take: LineTaker | undefined;

  constructor(
    practiceId: string,
    private readonly options: ChainVerifyOptions,
  ) {
    this.leaves = options.keepLeaves === true ? new LeafBuffer() : undefined;
    this.#hasher = new ChainRowHasher(practiceId);
    this.#native = options.native === false ? undefined : nativeChainLinks(practiceId);
    this.#rootSizes = [...(options.rootsAt ?? [])].sort((a, b) => a - b);
    this.take = this.#native === undefined ? undefined : (lines, from) => this.#takeNative(lines, from);
  }

  /**
   * The rows from `from` on that the native fast path accepts as the next links; returns
   * where it stopped (a row it left to the JavaScript walk, or the end), or -1 once the chain
   * is broken (then the JavaScript walk reads everything, only to grow the tree).
   */
  #takeNative(lines: Buffer, from: number): number {
    const native = this.#native;
    if (native === undefined || this.firstBroken !== undefined) return -1;
    let at = from;
    for (;;) {
      // Rows the JavaScript walk read go into the tree first: the tree keeps the rows' order.
      this.flushTree();
      const limit = Math.min(native.capacity, this.#rowsToNextRoot());
      const taken = native.accept(lines, at, this, limit);
      if (taken.count > 0) {
        this.checkedCount += taken.count;
        this.lastSeq += taken.count;
        this.lastHash = native.lastHash();
        this.lastIdColumn = lineColumnRaw(lines, taken.lastLine, C.id);
        this.frontier.appendLatin1(taken.leaves);
        if (this.leaves !== undefined) {
          for (const leaf of taken.leaves) this.leaves.pushLatin1(leaf);
        }
        if (this.options.rootsAt?.has(this.frontier.size) === true) {
          this.rootsAt.set(this.frontier.size, this.frontier.root().toString('hex'));
        }
      }
      at = taken.next;
      // Fewer than asked for: it left a row (or the lines ended).
      if (taken.count < limit || at >= lines.length) return at;
    }
  }

  /** Rows until the next tree size whose root is asked for (Infinity when none is). */
  #rowsToNextRoot(): number {
    const size = this.frontier.size;
    const next = this.#rootSizes.find((wanted) => wanted > size);
    return next === undefined ? Number.POSITIVE_INFINITY : next - size;
  }

  /** Adds a stored hash of 64 lower-case hex digits to the tree (in the next batch). */
  private grow(storedHash: string): void {
    this.#pendingLeaves.push(storedHash);
    // A size whose root is asked for ends a batch, so the frontier is at exactly that size.
    if (this.options.rootsAt?.has(this.frontier.size + this.#pendingLeaves.length) === true) {
      this.flushTree();
      this.rootsAt.set(this.frontier.size, this.frontier.root().toString('hex'));
    }
  }

  /** Adds the rows read since the last call to the tree. */
  flushTree(): void {
    if (this.#pendingLeaves.length === 0) return;
    const leaves = leavesOfChainHashes(this.#pendingLeaves);
    this.#pendingLeaves = [];
    this.frontier.appendLatin1(leaves);
    if (this.leaves !== undefined) {
      for (const leaf of leaves) this.leaves.pushLatin1(leaf);
    }
  }

  /**
   * The tree grows over every row as stored, so a checkpoint is compared even past a chain
   * break. A stored hash goes in when it is 64 lower-case hex digits; one the walk accepted
   * equals a hash it just computed, so only the others are tested.
   */
  visit(row: CopyRow): void {
    const storedHash = row.value(C.hash);
    if (this.firstBroken === undefined) {
      const reason = this.#link(row, storedHash);
      if (reason === null) {
        this.grow(this.lastHash);
        return;
      }
      this.firstBroken = { seq: Number(row.value(C.seq) ?? ''), eventId: row.text(C.id), reason };
    }
    if (storedHash !== null && HEX_HASH.test(storedHash)) this.grow(storedHash);
  }

  /** Checks the row as the next link (seq, prev_hash, recomputed hash); accepted, the walk moves on to it and null is returned. */
  #link(row: CopyRow, storedHash: string | null): ChainBreakReason | null {
    const expectedSeq = this.lastSeq + 1;
    // Columns are compared as COPY byte strings (copyRows.ts): hashes, seq and ids are ASCII.
    if (row.value(C.seq) !== String(expectedSeq)) return 'seq_gap';
    if (row.value(C.prevHash) !== this.lastHash) return 'prev_hash_mismatch';
    if (storedHash === null || this.#hasher.hashOf(row, this.lastHash) !== storedHash) return 'hash_mismatch';
    this.checkedCount += 1;
    this.lastSeq = expectedSeq;
    this.lastIdColumn = row.raw(C.id);
    this.lastHash = storedHash;
    return null;
  }

  #lastId(): string | null {
    return this.lastIdColumn === null ? null : copyFieldText(this.lastIdColumn);
  }

  checkHead(head: { last_seq: string; last_hash: string; tree_frontier: Buffer } | undefined): void {
    this.flushTree();
    if (this.firstBroken !== undefined) {
      return;
    }
    const empty = this.lastIdColumn === null;
    const matches =
      head === undefined ? empty : head.last_seq === String(this.lastSeq) && head.last_hash === this.lastHash;
    if (!matches) {
      this.firstBroken = { seq: this.lastSeq, eventId: this.#lastId(), reason: 'head_mismatch' };
      return;
    }
    // The stored frontier (what signed tree heads are made from) must be this tree's.
    if (head !== undefined && !head.tree_frontier.equals(this.frontier.encode())) {
      this.firstBroken = { seq: this.lastSeq, eventId: this.#lastId(), reason: 'tree_head_mismatch' };
    }
  }
}

/**
 * Verifies one practice's audit chain: every event's hash recomputed with chainHash, every
 * prev_hash linked to the previous event's hash, seq gapless from 1, the chain head
 * pointing at the last event, and the stored Merkle frontier equal to the tree rebuilt
 * from the rows. Rows stream through COPY (flat memory for any chain length).
 *
 * `client` must not be inside a transaction: this opens a REPEATABLE READ READ ONLY one so
 * the head and the events come from the same snapshot while writers keep appending.
 * Row-level security is satisfied by setting the practice as the tenant.
 */
export async function verifyPracticeChain(
  client: ClientBase,
  practiceId: string,
  options: ChainVerifyOptions = {},
): Promise<ChainVerification> {
  const practice = practiceId.toLowerCase();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, practice]);
    const heads = await client.query<{ last_seq: string; last_hash: string; tree_frontier: Buffer }>(
      'SELECT last_seq::text AS last_seq, last_hash, tree_frontier FROM audit_chain_heads WHERE practice_id = $1',
      [practice],
    );
    const walk = new ChainWalk(practice, options);
    const reader = new CopyRowReader();
    const visit = (row: CopyRow): void => {
      walk.visit(row);
    };
    const rows = client.query(copyOut(auditRowsCopySql({ filters: {}, timePrecision: 'us' })));
    // After a break the rest of the COPY is still read (cheaply, without hashing): leaving
    // it unread would leave the connection mid-protocol.
    for await (const chunk of rows as AsyncIterable<Buffer>) {
      reader.push(chunk, visit, walk.take);
      walk.flushTree();
    }
    reader.end();
    walk.checkHead(heads.rows[0]);
    await client.query('COMMIT');
    const tree = { size: walk.frontier.size, rootHash: walk.frontier.root().toString('hex') };
    const common = { checkedCount: walk.checkedCount, tree, rootsAt: walk.rootsAt, ...(walk.leaves ? { leaves: walk.leaves } : {}) };
    return walk.firstBroken === undefined
      ? { ok: true, ...common }
      : { ok: false, ...common, firstBroken: walk.firstBroken };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

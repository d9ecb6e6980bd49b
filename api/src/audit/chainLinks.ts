import type { AuditNativeAddon } from './nativeAddon.js';
import { auditNativeAddon as addon } from './nativeAddon.js';
import { HASH_BYTES } from './merkleTree.js';

/*
 * The verifier's native fast path (api/native/chain_links.c, loaded by nativeAddon.ts): it
 * accepts COPY rows that are plainly the next link of the chain and returns their RFC 9162
 * leaf hashes; every other row is left to the JavaScript walk (chainVerifier.ts), which stays
 * the reference and decides every row the addon does not accept.
 */

const STATE_BYTES = 256;
const LAST_SEQ_AT = 0;
const LAST_HASH_AT = 8;
const HASH_HEX = 64;
const BUDGET_AT = 72;
const LAST_LINE_AT = 80;
const PRACTICE_LENGTH_AT = 88;
const PRACTICE_AT = 96;
/** Leaf hashes one call may return (the caller calls again for more). */
const LEAVES_PER_CALL = 4_096;
const PLAIN_PRACTICE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Where the chain stands: the last accepted link. */
export interface ChainPosition {
  lastSeq: number;
  lastHash: string;
}

/** What one `accept` call took: rows, their leaf hashes (latin1, as merkleTree.ts keeps them) and where it stopped. */
export interface AcceptedLinks {
  count: number;
  leaves: string[];
  /** Offset in `lines` of the first row not accepted (lines.length when all were). */
  next: number;
  /** Offset of the last accepted row's line, -1 when none was. */
  lastLine: number;
}

/** One practice's native walker; undefined when the addon is not available or the practice id is not plain ASCII. */
export function nativeChainLinks(practiceId: string): NativeChainLinks | undefined {
  const element = JSON.stringify(practiceId);
  if (addon === undefined || element.length > STATE_BYTES - PRACTICE_AT || !PLAIN_PRACTICE.test(practiceId)) return undefined;
  return new NativeChainLinks(addon, element);
}

export class NativeChainLinks {
  /** Most rows one accept call takes (the caller calls again for more). */
  readonly capacity = LEAVES_PER_CALL;
  readonly #state = Buffer.alloc(STATE_BYTES);
  readonly #leaves = Buffer.alloc(LEAVES_PER_CALL * HASH_BYTES);

  constructor(
    private readonly addon: AuditNativeAddon,
    practiceElement: string,
  ) {
    this.#state.writeDoubleLE(practiceElement.length, PRACTICE_LENGTH_AT);
    this.#state.write(practiceElement, PRACTICE_AT, 'latin1');
  }

  /**
   * Accepts at most `limit` rows of `lines` (complete COPY lines) from byte `from` that
   * follow `position` as links; `position` is the walk's and is not changed here.
   */
  accept(lines: Buffer, from: number, position: ChainPosition, limit: number): AcceptedLinks {
    const state = this.#state;
    state.writeDoubleLE(position.lastSeq, LAST_SEQ_AT);
    state.write(position.lastHash, LAST_HASH_AT, HASH_HEX, 'latin1');
    state.writeDoubleLE(limit, BUDGET_AT);
    const next = this.addon.acceptLinks(lines, from, state, this.#leaves);
    const count = state.readDoubleLE(BUDGET_AT);
    const leaves: string[] = [];
    if (count > 0) {
      const all = this.#leaves.toString('latin1', 0, count * HASH_BYTES);
      for (let i = 0; i < count; i += 1) leaves.push(all.slice(i * HASH_BYTES, (i + 1) * HASH_BYTES));
    }
    return { count, leaves, next, lastLine: state.readDoubleLE(LAST_LINE_AT) };
  }

  /** The last accepted row's hash (valid after an accept that took rows). */
  lastHash(): string {
    return this.#state.toString('latin1', LAST_HASH_AT, LAST_HASH_AT + HASH_HEX);
  }
}

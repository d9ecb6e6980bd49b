import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import type { AuditJwsSigner } from '../../audit/exportManifest.js';
import { consistencyProof, inclusionProof, subtreeRoot } from '../../audit/merkleTree.js';
import { loadLeaves, readTreeHead, signTreeHead } from '../../audit/treeHead.js';
import type { TreeHead } from '../../audit/treeHead.js';
import { appendWitness } from '../../audit/witness.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { badRequest } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { callerOf } from '../../kernel/index.js';

export interface CheckpointDeps {
  dataSource: DataSource;
  signer: AuditJwsSigner;
  witnessDir: string;
  logger: Logger;
}

/** A signed tree head and what it says. */
export interface SignedCheckpoint {
  /** Compact JWS (ES256, kid in /.well-known/jwks.json, typ audit-tree-head+json). */
  checkpoint: string;
  treeHead: TreeHead;
}

/**
 * Signs the tree head read inside `manager`'s transaction, which must hold the practice's
 * chain head lock (it just called recordAudit), so the head includes that audit event.
 */
export async function signLockedTreeHead(
  manager: EntityManager,
  signer: AuditJwsSigner,
  practiceId: string,
): Promise<SignedCheckpoint> {
  const treeHead = await readTreeHead(manager, practiceId);
  return { checkpoint: await signTreeHead(signer, treeHead), treeHead };
}

/** Appends to the witness; a failure is logged, never turned into a failed request. */
export async function witness(deps: CheckpointDeps, practiceId: string, jws: string): Promise<void> {
  try {
    await appendWitness(deps.witnessDir, practiceId, jws);
  } catch (error) {
    deps.logger.error({ code: (error as { code?: unknown }).code }, 'audit checkpoint not written to the witness');
  }
}

/**
 * The practice's signed tree head, audited as audit.checkpoint: the head includes its own
 * audit event, and it is appended to the witness before it is returned.
 */
export async function issueCheckpoint(deps: CheckpointDeps, context: RequestContext): Promise<SignedCheckpoint> {
  const { practiceId } = callerOf(context);
  const signed = await withTenant(deps.dataSource, practiceId, async (manager) => {
    await recordAudit(manager, practiceId, context, { action: 'audit.checkpoint', entityType: 'audit_tree' });
    return signLockedTreeHead(manager, deps.signer, practiceId);
  });
  await witness(deps, practiceId, signed.checkpoint);
  return signed;
}

/** An RFC 9162 §2.1.3 inclusion proof; hashes in lower-case hex, audit path bottom first. */
export interface InclusionProofView {
  seq: number;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  auditPath: string[];
}

/** An RFC 9162 §2.1.4 consistency proof between two tree sizes. */
export interface ConsistencyProofView {
  from: number;
  to: number;
  fromRootHash: string;
  toRootHash: string;
  proof: string[];
}

const hex = (b: Buffer): string => b.toString('hex');

async function currentSize(manager: EntityManager, practiceId: string): Promise<number> {
  return (await readTreeHead(manager, practiceId)).tree_size;
}

function tooLarge(): never {
  throw badRequest('tree_size_out_of_range', 'The tree is not that large yet');
}

/**
 * Proof that event `seq` is in the tree of `treeSize` events (default: the current tree).
 * Hashes are not PHI; the read is audited as audit.proof_read all the same.
 */
export async function getInclusionProof(
  dataSource: DataSource,
  context: RequestContext,
  seq: number,
  treeSize: number | undefined,
): Promise<InclusionProofView> {
  const { practiceId } = callerOf(context);
  return withTenant(dataSource, practiceId, async (manager) => {
    const size = treeSize ?? (await currentSize(manager, practiceId));
    if (size > (await currentSize(manager, practiceId))) tooLarge();
    if (seq > size) {
      throw badRequest('seq_out_of_range', 'That event is not in a tree of this size');
    }
    const leaves = await loadLeaves(manager, practiceId, size);
    if (leaves.size !== size) tooLarge();
    const view = {
      seq,
      leafIndex: seq - 1,
      treeSize: size,
      leafHash: hex(leaves.leaf(seq - 1)),
      rootHash: hex(subtreeRoot(leaves, 0, size)),
      auditPath: inclusionProof(leaves, seq - 1, size).map(hex),
    };
    await recordAudit(manager, practiceId, context, {
      action: 'audit.proof_read',
      entityType: 'audit_tree',
      metadata: { kind: 'inclusion', seq, treeSize: size },
    });
    return view;
  });
}

/** Proof that the tree of `from` events is a prefix of the tree of `to` events (default: current). */
export async function getConsistencyProof(
  dataSource: DataSource,
  context: RequestContext,
  from: number,
  to: number | undefined,
): Promise<ConsistencyProofView> {
  const { practiceId } = callerOf(context);
  return withTenant(dataSource, practiceId, async (manager) => {
    const size = to ?? (await currentSize(manager, practiceId));
    if (size > (await currentSize(manager, practiceId))) tooLarge();
    if (from > size) {
      throw badRequest('tree_size_out_of_range', '"from" must not be larger than "to"');
    }
    const leaves = await loadLeaves(manager, practiceId, size);
    if (leaves.size !== size) tooLarge();
    const view = {
      from,
      to: size,
      fromRootHash: hex(subtreeRoot(leaves, 0, from)),
      toRootHash: hex(subtreeRoot(leaves, 0, size)),
      proof: consistencyProof(leaves, from, size).map(hex),
    };
    await recordAudit(manager, practiceId, context, {
      action: 'audit.proof_read',
      entityType: 'audit_tree',
      metadata: { kind: 'consistency', from, to: size },
    });
    return view;
  });
}

/**
 * Every `intervalSeconds`, appends a signed tree head to the witness for each practice whose
 * tree grew since the last one this process wrote. Not audited (no caller, no data read
 * beyond hashes). The timer never keeps the process alive and stops at shutdown.
 */
export function startPeriodicWitness(
  deps: CheckpointDeps,
  intervalSeconds: number,
  isStopped: () => boolean,
): () => void {
  if (intervalSeconds === 0) return () => undefined;
  const lastWritten = new Map<string, number>();
  let running = false;
  const tick = async (): Promise<void> => {
    if (running || isStopped() || !deps.dataSource.isInitialized) return;
    running = true;
    try {
      const practices = await deps.dataSource.query<{ id: string }[]>('SELECT id FROM practices');
      for (const { id } of practices) {
        if (isStopped()) return;
        const head = await withTenant(deps.dataSource, id, (manager) => readTreeHead(manager, id));
        if (head.tree_size === 0 || lastWritten.get(id) === head.tree_size) continue;
        await witness(deps, id, await signTreeHead(deps.signer, head));
        lastWritten.set(id, head.tree_size);
      }
    } catch (error) {
      if (!isStopped()) deps.logger.error({ code: (error as { code?: unknown }).code }, 'periodic audit checkpoint failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalSeconds * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}

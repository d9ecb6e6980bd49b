import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { Client } from 'pg';
import { verifyPracticeChain } from './chainVerifier.js';
import type { ChainVerification } from './chainVerifier.js';
import type { ManifestKey } from './exportManifest.js';
import { consistencyProof, verifyConsistency } from './merkleTree.js';
import { verifyTreeHead } from './treeHead.js';
import type { TreeHead } from './treeHead.js';

export interface VerifyCommandIo {
  /** One line of the report (stdout). */
  out: (line: string) => void;
  /** One line of a usage or connection problem (stderr). */
  err: (line: string) => void;
}

/** Exit codes: 0 every checked chain intact, 1 a chain is broken, 2 usage or database problem. */
export const EXIT_INTACT = 0;
export const EXIT_BROKEN = 1;
export const EXIT_ERROR = 2;

const USAGE =
  'usage: verify-audit-chain [--practice <slug>] [--checkpoint <file>] [--witness <file>] [--jwks <file or url>]' +
  '   (DATABASE_URL = owner connection string; --jwks is required with --checkpoint or --witness)';

interface VerifyArgs {
  practiceSlug: string | null;
  checkpointFile: string | null;
  witnessFile: string | null;
  jwks: string | null;
}

const FLAGS = { '--practice': 'practiceSlug', '--checkpoint': 'checkpointFile', '--witness': 'witnessFile', '--jwks': 'jwks' } as const;

function parseArgs(args: readonly string[]): VerifyArgs | null {
  const parsed: VerifyArgs = { practiceSlug: null, checkpointFile: null, witnessFile: null, jwks: null };
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i] as keyof typeof FLAGS;
    const value = args[i + 1];
    if (!Object.hasOwn(FLAGS, flag) || value === undefined || value.length === 0 || parsed[FLAGS[flag]] !== null) {
      return null;
    }
    parsed[FLAGS[flag]] = value;
  }
  const needsKeys = parsed.checkpointFile !== null || parsed.witnessFile !== null;
  return needsKeys === (parsed.jwks !== null) ? parsed : null;
}

/** The API's published keys, from a saved JWKS file or its URL (e.g. <api>/.well-known/jwks.json). */
async function loadJwks(source: string): Promise<ManifestKey> {
  if (/^https?:\/\//.test(source)) {
    return createRemoteJWKSet(new URL(source));
  }
  return createLocalJWKSet(JSON.parse(await readFile(source, 'utf8')) as JSONWebKeySet);
}

/** A signed tree head to hold the database to, and where it came from (for the report). */
interface SavedCheckpoint {
  head: TreeHead;
  /** "checkpoint file" or "witness line N". */
  origin: string;
  /** The single --checkpoint also gets an RFC 9162 consistency proof built and checked. */
  proveConsistency: boolean;
}

async function readCheckpoints(parsed: VerifyArgs, key: ManifestKey): Promise<{ saved: SavedCheckpoint[]; problems: string[] }> {
  const saved: SavedCheckpoint[] = [];
  const problems: string[] = [];
  const verifyOne = async (jws: string, origin: string, proveConsistency: boolean): Promise<void> => {
    try {
      saved.push({ head: await verifyTreeHead(jws.trim(), key), origin, proveConsistency });
    } catch (error) {
      problems.push(`${origin}: signature does not verify against the JWKS (${error instanceof Error ? error.message : String(error)})`);
    }
  };
  if (parsed.checkpointFile !== null) {
    await verifyOne(await readFile(parsed.checkpointFile, 'utf8'), 'checkpoint file', true);
  }
  if (parsed.witnessFile !== null) {
    const lines = (await readFile(parsed.witnessFile, 'utf8')).split('\n');
    for (const [index, line] of lines.entries()) {
      if (line.trim().length > 0) await verifyOne(line, `witness line ${index + 1}`, false);
    }
  }
  return { saved, problems };
}

const when = (head: TreeHead): string => `signed ${head.time}, ${head.tree_size} events`;

/**
 * Holds one practice's recomputed tree to its saved checkpoints, oldest first: a tree
 * smaller than a checkpoint was truncated; a different root at a checkpoint's size means
 * history was rewritten (re-hashed from genesis) or forked. When an earlier checkpoint
 * still matches, the divergence lies after it, which is named: that is a fork.
 */
function checkAgainst(result: ChainVerification, checkpoints: readonly SavedCheckpoint[]): string[] {
  const problems: string[] = [];
  let lastMatching: SavedCheckpoint | undefined;
  const ordered = [...checkpoints].sort((a, b) => a.head.tree_size - b.head.tree_size);
  for (const saved of ordered) {
    const { head, origin } = saved;
    if (head.tree_size > result.tree.size) {
      problems.push(
        `TRUNCATED: the log has ${result.tree.size} events but the ${origin} (${when(head)}) proves it had ` +
          `${head.tree_size}: ${head.tree_size - result.tree.size} event(s) were deleted and the chain head moved back`,
      );
      continue;
    }
    const root = result.rootsAt.get(head.tree_size);
    if (root !== head.root_hash) {
      problems.push(
        lastMatching === undefined
          ? `REWRITTEN OR FORKED: at ${head.tree_size} events the log's Merkle root differs from the ${origin} ` +
              `(${when(head)}): history up to that point was rewritten (re-hashed from genesis) or forked`
          : `FORKED: the log agrees with the ${lastMatching.origin} (${lastMatching.head.tree_size} events) but its root ` +
              `at ${head.tree_size} events differs from the ${origin} (${when(head)}): history was replaced after event ` +
              `${lastMatching.head.tree_size}`,
      );
      continue;
    }
    if (saved.proveConsistency && head.tree_size > 0 && result.leaves !== undefined) {
      const proof = consistencyProof(result.leaves, head.tree_size, result.tree.size);
      const consistent = verifyConsistency(
        head.tree_size,
        result.tree.size,
        Buffer.from(head.root_hash, 'hex'),
        Buffer.from(result.tree.rootHash, 'hex'),
        proof,
      );
      if (!consistent) {
        problems.push(`FORKED: no valid consistency proof from the ${origin} (${when(head)}) to today's tree`);
        continue;
      }
    }
    lastMatching = saved;
  }
  return problems;
}

/**
 * Verifies the audit chain of one practice (--practice <slug>) or of every practice and
 * prints one line per practice; a broken chain names its first broken link. With
 * --checkpoint (a signed tree head saved earlier) and/or --witness (a witness file, one per
 * line), each head's ES256 signature is checked against --jwks, the Merkle tree is rebuilt
 * from the rows, and a truncated, rewritten or forked history is named (exit 1). It only
 * reads (each practice in its own REPEATABLE READ READ ONLY snapshot), so it can run
 * against a replica or with a read-only role while the API keeps writing.
 */
export async function runVerifyCommand(
  args: readonly string[],
  databaseUrl: string | undefined,
  io: VerifyCommandIo,
): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === null) {
    io.err(USAGE);
    return EXIT_ERROR;
  }
  if (databaseUrl === undefined || databaseUrl.length === 0) {
    io.err('DATABASE_URL is not set');
    io.err(USAGE);
    return EXIT_ERROR;
  }
  const client = new Client({ connectionString: databaseUrl, application_name: 'medspa-audit-verify' });
  try {
    await client.connect();
  } catch (error) {
    io.err(`cannot connect to the database: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
  let checkpoints: SavedCheckpoint[] = [];
  let brokenCheckpoints = 0;
  if (parsed.jwks !== null) {
    try {
      const key = await loadJwks(parsed.jwks);
      const read = await readCheckpoints(parsed, key);
      checkpoints = read.saved;
      for (const problem of read.problems) io.out(`BAD CHECKPOINT  ${problem}`);
      brokenCheckpoints = read.problems.length;
    } catch (error) {
      await client.end();
      io.err(`cannot read the checkpoint, witness or JWKS: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT_ERROR;
    }
  }
  try {
    const practices = await client.query<{ id: string; slug: string }>(
      parsed.practiceSlug === null
        ? 'SELECT id, slug FROM practices ORDER BY slug'
        : 'SELECT id, slug FROM practices WHERE slug = $1',
      parsed.practiceSlug === null ? [] : [parsed.practiceSlug],
    );
    if (parsed.practiceSlug !== null && practices.rows.length === 0) {
      io.err(`no practice with slug ${parsed.practiceSlug}`);
      return EXIT_ERROR;
    }
    let broken = brokenCheckpoints;
    const known = new Set(practices.rows.map((p) => p.id.toLowerCase()));
    const foreign = checkpoints.filter((c) => !known.has(c.head.practice));
    if (parsed.practiceSlug === null && foreign.length > 0) {
      broken += 1;
      io.out(`BROKEN  ${foreign.length} checkpoint(s) name a practice that is not in this database (deleted?)`);
    }
    for (const practice of practices.rows) {
      const own = checkpoints.filter((c) => c.head.practice === practice.id.toLowerCase());
      const result = await verifyPracticeChain(client, practice.id, {
        rootsAt: new Set(own.map((c) => c.head.tree_size)),
        keepLeaves: own.some((c) => c.proveConsistency),
      });
      const treeProblems = checkAgainst(result, own);
      if (treeProblems.length > 0) {
        broken += result.firstBroken === undefined ? 1 : 0;
        for (const problem of treeProblems) io.out(`BROKEN  ${practice.slug}  ${problem}`);
      } else if (own.length > 0) {
        io.out(
          `ok      ${practice.slug}  consistent with ${own.length} checkpoint(s) up to ${Math.max(...own.map((c) => c.head.tree_size))} ` +
            `events; tree now ${result.tree.size} events, root ${result.tree.rootHash}`,
        );
      }
      if (result.firstBroken === undefined) {
        io.out(`ok      ${practice.slug}  ${result.checkedCount} events`);
      } else {
        broken += 1;
        const link = result.firstBroken;
        io.out(
          `BROKEN  ${practice.slug}  first broken link: seq ${link.seq}, event ${link.eventId ?? '(none)'}, ` +
            `${link.reason} (${result.checkedCount} events verified before it)`,
        );
      }
    }
    io.out(`${practices.rows.length} practice(s) checked, ${broken} broken`);
    return broken === 0 ? EXIT_INTACT : EXIT_BROKEN;
  } catch (error) {
    io.err(`verification failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  } finally {
    await client.end();
  }
}

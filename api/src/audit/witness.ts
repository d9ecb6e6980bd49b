import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

/** The witness file of one practice: one signed tree head (compact JWS) per line. */
export function witnessFile(dir: string, practiceId: string): string {
  return join(dir, `${practiceId.toLowerCase()}.checkpoints`);
}

/**
 * Appends a signed tree head to the practice's witness file outside the database. The file
 * is opened for append only ('a': O_APPEND, so concurrent writers never overwrite each
 * other) and fsynced before returning, so an acknowledged checkpoint survives a crash.
 * In production the directory is replaced by object storage with object lock
 * (docs/operations.md): the database owner must not be able to rewrite the witness.
 */
export async function appendWitness(dir: string, practiceId: string, jws: string): Promise<void> {
  if (!/^[A-Za-z0-9_.-]+$/.test(jws)) {
    throw new Error('a witness line must be one compact JWS');
  }
  await mkdir(dir, { recursive: true });
  const handle = await open(witnessFile(dir, practiceId), 'a', 0o640);
  try {
    await handle.write(`${jws}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

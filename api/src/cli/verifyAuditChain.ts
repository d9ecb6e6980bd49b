#!/usr/bin/env node
/**
 * Audit chain verifier (operators, auditors): `npm run audit:verify -w api -- [--practice <slug>]
 * [--checkpoint <file>] [--witness <file>] [--jwks <file or url>]` with DATABASE_URL set to the
 * owner connection string. Exit 0 when every chain (and tree, against the signed tree heads
 * given) is intact, 1 naming the first broken link or the truncation / rewrite / fork, 2 on
 * usage or connection problems (docs/operations.md "Merkle tree, signed tree heads").
 */
import { runVerifyCommand } from '../audit/verifyCommand.js';

runVerifyCommand(process.argv.slice(2), process.env.DATABASE_URL, {
  out: (line) => {
    console.log(line);
  },
  err: (line) => {
    console.error(line);
  },
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(`verification failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  });

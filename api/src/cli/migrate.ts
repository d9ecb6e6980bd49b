#!/usr/bin/env node
/**
 * One-shot schema step, run as the database owner before (or while) API instances start:
 *   MIGRATION_DATABASE_URL=<owner url> npm run migrate -w api
 *   MIGRATION_DATABASE_URL=<owner url> RUNTIME_DATABASE_PASSWORD=<secret> \
 *     npm run migrate -w api -- --provision-runtime-role medspa_runtime
 * Advisory-locked (api/src/db/dataSource.ts), so concurrent runs are safe. Exit 0 on success.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { migrate } from '../db/dataSource.js';
import { provisionRuntimeRole } from '../db/runtimeRole.js';

const USAGE = `Usage: MIGRATION_DATABASE_URL=<owner url> npm run migrate -w api [-- --provision-runtime-role <name>]
  --provision-runtime-role <name>  also create or update the API's login role (password from
                                   RUNTIME_DATABASE_PASSWORD, at least 16 characters); idempotent.
The API then runs with DATABASE_URL=postgres://<name>:<password>@<host>/<database>.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'provision-runtime-role': { type: 'string' }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const url = z.url().safeParse(process.env.MIGRATION_DATABASE_URL);
  if (!url.success) throw new Error(`MIGRATION_DATABASE_URL (owner connection) is required\n${USAGE}`);
  const roleName = values['provision-runtime-role'];
  const password = process.env.RUNTIME_DATABASE_PASSWORD;
  if (roleName !== undefined && (password === undefined || password.length < 16)) {
    throw new Error(`RUNTIME_DATABASE_PASSWORD (at least 16 characters) is required with --provision-runtime-role\n${USAGE}`);
  }
  const result = await migrate(url.data, async () => {
    if (roleName !== undefined && password !== undefined) await provisionRuntimeRole(url.data, roleName, password);
  });
  console.log(result.applied.length === 0 ? 'schema up to date' : `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`);
  if (roleName !== undefined) console.log(`runtime role "${roleName}" provisioned`);
}

main().catch((error: unknown) => {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { keyRingFromConfig } from '../crypto/keyRing.js';
import { rewrapDataKeys } from '../crypto/keyRotation.js';
import { createDataSource } from '../db/dataSource.js';

const USAGE = `Usage: npm run rotate-data-keys -w api [-- --batch-size 500]
Runs with the API's environment. To rotate the key-encryption key (KEK):
  1. add the new key to DATA_KEKS and point DATA_ACTIVE_KEK_ID at it (keep the old one);
  2. restart the API (new data keys are wrapped by the new KEK from then on);
  3. run this command: it re-wraps every existing data key under the active KEK;
     note, photo and questionnaire ciphertexts are not touched;
  4. when it reports "remaining under other KEKs: 0", remove the old key from DATA_KEKS.
DATABASE_URL must be set (the rotation runs as the restricted role, tenant by tenant).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'batch-size': { type: 'string', default: '500' }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new Error(`--batch-size must be an integer from 1 to 10000\n${USAGE}`);
  }
  const config = loadConfig();
  if (config.DATABASE_URL === undefined) {
    throw new Error(`DATABASE_URL is required\n${USAGE}`);
  }
  const keyRing = keyRingFromConfig(config);
  const dataSource = createDataSource({ url: config.DATABASE_URL, purpose: 'app', poolSize: 2 });
  await dataSource.initialize();
  try {
    const report = await rewrapDataKeys(dataSource, keyRing, {
      batchSize,
      context: { requestId: randomUUID(), ip: null, userAgent: 'medspa-rotate-data-keys', auth: null },
    });
    console.log(`active KEK: ${keyRing.activeKekId}`);
    console.log(`practices: ${report.practices}, data keys re-wrapped: ${report.rewrapped}`);
    console.log(`remaining under other KEKs: ${report.remaining}`);
    if (report.remaining > 0) {
      process.exitCode = 2;
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  // Configuration and key errors name keys and variables, never key material.
  console.error(`rotate-data-keys failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

#!/usr/bin/env node
// Builds the audit trail's native fast paths (api/native/: the chain verifier and the FHIR
// export) after `npm ci`, as part of the root "postinstall". node-gyp is npm's own (npm passes its path to scripts
// as npm_config_node_gyp) and builds against the running Node's headers (npm's nodedir
// setting, else node-gyp downloads them).
//
// Both work without the addon (api/src/audit/nativeAddon.ts: the JavaScript code they
// accelerate runs alone), so a failed build is a warning, except in CI (CI=true), where the tests
// require the addon and a silent fallback would leave it untested.
// MEDSPA_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const addonDir = path.join(root, 'api', 'native');
const log = (message) => console.log(`[native] ${message}`);

if (process.env.MEDSPA_SKIP_NATIVE === '1') {
  log('skipped (MEDSPA_SKIP_NATIVE=1): audit verification runs in JavaScript only');
  process.exit(0);
}

/** npm's bundled node-gyp: given to lifecycle scripts, else next to the npm running this. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((candidate) => typeof candidate === 'string' && existsSync(candidate));
}

const gyp = nodeGyp();
const result = gyp === undefined ? null : spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: addonDir, stdio: 'inherit' });
if (result !== null && result.status === 0) {
  log('built api/native/build/Release/audit_native.node');
  process.exit(0);
}
const why = gyp === undefined ? 'node-gyp not found' : `node-gyp exited with ${result?.status ?? result?.signal}`;
if (process.env.CI === 'true') {
  console.error(`[native] build failed (${why}); CI requires the audit native fast paths`);
  process.exit(1);
}
log(`build failed (${why}): audit verification and FHIR export run in JavaScript only, slower`);

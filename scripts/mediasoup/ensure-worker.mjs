#!/usr/bin/env node
// Makes sure node_modules/mediasoup has a runnable mediasoup-worker after `npm ci`.
//
// The root package.json keeps npm from running mediasoup's own install script (allowScripts),
// because that script falls back to a pip + wrapdb build which cannot work offline. This
// script runs instead, as the root "postinstall", and tries in order:
//   1. nothing to do: MEDIASOUP_WORKER_BIN is set, or the binary is already in place;
//   2. the binary cached for this mediasoup version and build recipe (a previous build here);
//   3. mediasoup's own installer (downloads its prebuilt worker; needs internet), time-boxed;
//   4. an offline build against Debian system libraries (build-worker.sh), then cached.
// Set MEDSPA_SKIP_MEDIASOUP_WORKER=1 to skip all of it (e.g. an image that only runs the API).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const log = (message) => console.log(`[mediasoup-worker] ${message}`);

/** mediasoup's prebuilt download is one HTTPS fetch; give up well before CI would. */
const PREBUILT_TIMEOUT_MS = Number(process.env.MEDSPA_MEDIASOUP_PREBUILT_TIMEOUT_MS ?? 120_000);

/**
 * The installed mediasoup package (its "exports" hide package.json, so walk up from main).
 * MEDSPA_MEDIASOUP_DIR points at another copy, to rehearse a fresh install without touching
 * the one in use.
 */
function mediasoupDir() {
  if (process.env.MEDSPA_MEDIASOUP_DIR) return path.resolve(process.env.MEDSPA_MEDIASOUP_DIR);
  const require = createRequire(path.join(root, 'sfu', 'package.json'));
  let dir = path.dirname(require.resolve('mediasoup'));
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'mediasoup') return dir;
    dir = path.dirname(dir);
  }
  throw new Error('mediasoup package not found');
}

/**
 * Started without MEDIASOUP_VERSION the worker exits with its own status 41 (worker/src/main.cpp),
 * which proves it links and loads on this host; mediasoup's installer uses the same probe.
 */
const MISSING_VERSION_EXIT_STATUS = 41;

function runs(binary) {
  if (!existsSync(binary)) return false;
  const result = spawnSync(binary, [], { env: {}, stdio: 'ignore', timeout: 10_000 });
  return result.status === MISSING_VERSION_EXIT_STATUS;
}

function install(from, to) {
  mkdirSync(path.dirname(to), { recursive: true });
  const partial = `${to}.partial.${process.pid}`;
  copyFileSync(from, partial);
  chmodSync(partial, 0o755);
  renameSync(partial, to);
}

/**
 * A digest of everything that shapes the offline build: build-worker.sh and every file under
 * shims/ (names and contents, in sorted order). It is part of the cache key and of the stamp
 * next to the installed binary, so changing a shim rebuilds instead of reusing an older worker.
 */
function buildRecipeHash() {
  const hash = createHash('sha256');
  const add = (relative) => {
    hash.update(`${relative}\0`);
    hash.update(readFileSync(path.join(here, relative)));
    hash.update('\0');
  };
  add('build-worker.sh');
  const walk = (relative) => {
    for (const entry of readdirSync(path.join(here, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else add(child);
    }
  };
  walk('shims');
  return hash.digest('hex').slice(0, 12);
}

function cacheFile(version, recipe) {
  const cacheRoot = process.env.MEDSPA_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'medspa');
  return path.join(cacheRoot, `mediasoup-worker-${version}-${process.platform}-${process.arch}-${recipe}`);
}

/** Records which recipe produced the installed binary (see buildRecipeHash). */
const stampFile = (target) => `${target}.medspa-recipe`;
const stampMatches = (target, recipe) => existsSync(stampFile(target)) && readFileSync(stampFile(target), 'utf8').trim() === recipe;

function installWorker(from, target, recipe) {
  install(from, target);
  writeFileSync(stampFile(target), `${recipe}\n`);
}

/** Runs mediasoup's own postinstall (prebuilt download) in its own process group, time-boxed. */
function tryMediasoupInstaller(dir) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['npm-scripts.mjs', 'postinstall'], { cwd: dir, stdio: 'inherit', detached: true });
    const timer = setTimeout(() => {
      log(`mediasoup's installer did not finish within ${PREBUILT_TIMEOUT_MS / 1000}s; stopping it`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, PREBUILT_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Lists the offline build prerequisites that are missing, for a message that says what to do. */
function missingBuildTools() {
  const missing = [];
  const meson = spawnSync('meson', ['--version'], { encoding: 'utf8' });
  const mesonVersion = meson.status === 0 ? meson.stdout.trim() : '';
  const [major = 0, minor = 0] = mesonVersion.split('.').map(Number);
  if (!(major > 1 || (major === 1 && minor >= 1))) missing.push(`meson >= 1.1 (found: ${mesonVersion || 'none'})`);
  for (const tool of ['ninja', 'c++', 'pkg-config', 'flatc']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) missing.push(tool);
  }
  if (missing.includes('pkg-config')) return missing;
  for (const library of ['openssl', 'libuv', 'libsrtp2', 'liburing', 'usrsctp', 'absl_flat_hash_map', 'flatbuffers']) {
    if (spawnSync('pkg-config', ['--exists', library]).status !== 0) missing.push(`${library} (pkg-config)`);
  }
  return missing;
}

async function main() {
  if (process.env.MEDSPA_SKIP_MEDIASOUP_WORKER === '1') {
    log('MEDSPA_SKIP_MEDIASOUP_WORKER=1: skipped');
    return;
  }
  if (process.env.MEDIASOUP_WORKER_BIN) {
    log(`using MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN}`);
    return;
  }
  const dir = mediasoupDir();
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  // The path mediasoup's Worker looks in when MEDIASOUP_WORKER_BIN is unset.
  const target = path.join(dir, 'worker', 'out', 'Release', 'mediasoup-worker');
  const recipe = buildRecipeHash();
  const cached = cacheFile(version, recipe);

  // Without a matching stamp the binary in place may come from an older recipe (e.g. a worker
  // built before a shim changed, left by `npm install`): replace it rather than cache it.
  if (runs(target) && stampMatches(target, recipe)) {
    log(`mediasoup ${version} worker already in place`);
    if (!existsSync(cached)) install(target, cached);
    return;
  }
  if (runs(cached)) {
    installWorker(cached, target, recipe);
    log(`installed cached worker ${cached}`);
    return;
  }
  if (process.env.MEDSPA_MEDIASOUP_OFFLINE !== '1') {
    log(`trying mediasoup's own installer (prebuilt ${version} download)`);
    if ((await tryMediasoupInstaller(dir)) && runs(target)) {
      install(target, cached);
      writeFileSync(stampFile(target), `${recipe}\n`);
      log('prebuilt worker installed');
      return;
    }
    log('no prebuilt worker (offline?); building it from source against system libraries');
  }
  const missing = missingBuildTools();
  if (missing.length > 0) {
    console.error(
      `[mediasoup-worker] cannot build mediasoup-worker offline; missing: ${missing.join(', ')}.\n` +
        '  Install the system packages first (as root): bash scripts/install-system-deps.sh\n' +
        '  then run: node scripts/mediasoup/ensure-worker.mjs',
    );
    process.exit(1);
  }
  log(`building mediasoup ${version} worker (takes minutes; cached afterwards in ${cached})`);
  const build = spawnSync('sh', [path.join(here, 'build-worker.sh'), dir, cached], { stdio: 'inherit' });
  if (build.status !== 0 || !runs(cached)) {
    console.error('[mediasoup-worker] offline build failed (see output above)');
    process.exit(1);
  }
  installWorker(cached, target, recipe);
  log(`built and installed ${target}`);
}

await main();

#!/usr/bin/env node
/* global document, window -- page.waitForFunction and page.evaluate callbacks run in the browser */
// What end-to-end encryption costs per video frame in Chromium at 720p30, next to the same
// loopback with E2EE off. Loopback only; nothing leaves the machine.
//
// The E2EE harness page (client/test/harness, built with Vite) sends the fake camera at
// 1280x720/30 fps through two RTCPeerConnections in one page. With E2EE on, the production
// worker (client/src/e2ee/worker) encrypts every encoded frame on the sender and decrypts it
// on the receiver (AES-256-GCM, replay window, same code as a consult); with E2EE off there
// is no transform. Rounds alternate off/on. For each run the script prints:
//   - frames decoded by the receiver and their width,
//   - encrypt and decrypt time per frame: wall time inside the worker's transform, WebCrypto
//     included (an upper bound on the CPU it needs: queueing on a busy box counts too),
//   - Chromium CPU: user+system time of every Chromium process over the window, per second
//     (1000 ms/s = one core) and per frame; the E2EE share is (on - off) / on of that CPU.
// usage: node bench/e2ee-frame-cost.mjs        (after `npx tsc -b`)
//   BENCH_SECONDS: measurement window per run (default 10); BENCH_ROUNDS (default 3)
//   BENCH_SKIP_BUILD=1: reuse client/dist/test-harness
import { readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const clientDir = path.join(here, '..', 'client');
const require = createRequire(path.join(clientDir, 'package.json'));
const { chromium } = require('playwright-core');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HARNESS_DIR = path.join(clientDir, 'dist', 'test-harness');
const CLOCK_TICKS = 100; // USER_HZ on Linux (sysconf(_SC_CLK_TCK))

if (process.env.BENCH_SKIP_BUILD !== '1') {
  const { build } = await import(require.resolve('vite'));
  await build({ configFile: path.join(clientDir, 'test', 'harness.vite.config.ts') });
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = http.createServer(async (req, res) => {
  const name = path.normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  try {
    const body = await readFile(path.join(HARNESS_DIR, name));
    res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/e2ee.html`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--no-first-run'],
});
/** Every process below this script (Chromium's browser, renderer, GPU and utility processes). */
async function chromiumPids() {
  const parents = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  return [...parents.keys()].filter((pid) => {
    if (pid === process.pid) return false;
    for (let current = pid; current > 1; current = parents.get(current) ?? 0) if (current === process.pid) return true;
    return false;
  });
}

/** user+system CPU of those processes, milliseconds. */
async function cpuMs(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Exited meanwhile.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

const page = await browser.newPage();
await page.goto(url);
await page.waitForFunction(() => document.title === 'ready');

const runs = [];
for (let round = 0; round < ROUNDS; round += 1) {
  for (const e2ee of [false, true]) {
    // The window is measured inside the page; CPU is sampled around the whole run and the
    // setup share (2 s ramp-up + 1 s stats wait) is scaled out below.
    const pids = await chromiumPids();
    const cpuBefore = await cpuMs(pids);
    const startedAt = Date.now();
    const result = await page.evaluate(([on, seconds]) => window.e2eeHarness.bench(on, seconds), [e2ee, SECONDS]);
    const elapsedS = (Date.now() - startedAt) / 1000;
    const cpu = (await cpuMs(await chromiumPids())) - cpuBefore;
    const cpuPerS = cpu / elapsedS;
    runs.push({ e2ee, ...result, cpuPerS, cpuPerFrameMs: (cpuPerS * result.seconds) / Math.max(1, result.framesDecoded) });
    const perFrame = (micros, frames) => (frames > 0 ? (micros / frames).toFixed(0) : '-');
    process.stdout.write(
      `${e2ee ? 'E2EE on ' : 'E2EE off'}  decoded ${String(result.framesDecoded).padStart(4)} frames @ ${result.frameWidth}px` +
        `  encrypt ${perFrame(result.encryptMicros, result.encryptedFrames).padStart(4)} us/frame` +
        `  decrypt ${perFrame(result.decryptMicros, result.decryptedFrames).padStart(4)} us/frame` +
        `  Chromium CPU ${cpuPerS.toFixed(0).padStart(4)} ms/s` +
        `  (${(cpuPerS * result.seconds / Math.max(1, result.framesDecoded)).toFixed(2)} ms/frame)\n`,
    );
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const on = runs.filter((run) => run.e2ee);
const off = runs.filter((run) => !run.e2ee);
const encrypt = median(on.map((run) => run.encryptMicros / Math.max(1, run.encryptedFrames)));
const decrypt = median(on.map((run) => run.decryptMicros / Math.max(1, run.decryptedFrames)));
const cpuOn = median(on.map((run) => run.cpuPerS));
const cpuOff = median(off.map((run) => run.cpuPerS));
const fps = median(on.map((run) => run.framesDecoded / run.seconds));
process.stdout.write(
  [
    '',
    `median of ${ROUNDS} rounds, ${SECONDS} s each, 720p30 loopback (sender and receiver in one Chromium):`,
    `  encrypt ${encrypt.toFixed(0)} us + decrypt ${decrypt.toFixed(0)} us per frame = ${(encrypt + decrypt).toFixed(0)} us; at ${fps.toFixed(1)} fps that is ${(((encrypt + decrypt) * fps) / 10_000).toFixed(2)} % of one core`,
    `  Chromium CPU: E2EE off ${cpuOff.toFixed(0)} ms/s, E2EE on ${cpuOn.toFixed(0)} ms/s; E2EE share of the consult's CPU ${(((cpuOn - cpuOff) / cpuOn) * 100).toFixed(1)} %`,
    '',
  ].join('\n'),
);

await browser.close();
server.close();

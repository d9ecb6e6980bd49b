/**
 * The scaled-out deployment in real Chromium (issue 12): HAProxy in front of two API
 * instances, two SFU nodes and the client server, all on loopback, coordinating through
 * Redis. The patient and the injector each come through their own HAProxy frontend pinned to
 * a different API instance; they consult with E2EE video, then the room's SFU node is
 * SIGKILLed and both browsers get a fresh token for the other node and decode video again,
 * the patient without a second admission. The front desk's schedule, on the other API
 * instance than the one the SFU reports to, gets the "patient waiting" alert pushed.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { ROOM_NODE_KEY_PREFIX } from '@medspa/shared-types';
import type { ApiApp } from '../../../api/src/app.js';
import { initApp, shutdownApp } from '../../../api/src/app.js';
import { createLogger } from '../../../api/src/logger.js';
import { createUser } from '../../../api/test/fixtures/identity.js';
import type { TestUser } from '../../../api/test/fixtures/identity.js';
import { countRows } from '../../../api/test/scheduling/schedulingFixtures.js';
import { startTestApi } from '../../../api/test/testApi.js';
import type { TestApi } from '../../../api/test/testApi.js';
import { launchBrowser } from '../browser.js';
import { MEDIA_TIMEOUT_MS, recordConsole, signIn, waitForDecodedRemoteVideo, watchLiveChannel } from './pageSteps.js';
import { seedConsultClinic } from './consultClinic.js';
import { ARTIFACTS } from './screens.js';

jest.setTimeout(420_000);

const HAPROXY = process.env.HAPROXY_PATH ?? '/usr/sbin/haproxy';
/** A Redis logical database of its own (sfuCluster uses 7, waitingRoomCluster 8), flushed first. */
const REDIS_URL = process.env.TEST_BROWSER_CLUSTER_REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const NODE_IDS = ['node-a', 'node-b'] as const;

/** Jest decides what to skip while loading the file, so the probe is synchronous (a child process). */
function redisAnswers(): boolean {
  const probe = `const { Redis } = require('ioredis');
    const redis = new Redis(process.argv[1], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.connect().then(() => redis.ping()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe, REDIS_URL], { cwd: repoRoot, timeout: 10_000 }).status === 0;
}

const missing = [...(existsSync(HAPROXY) ? [] : [`no HAProxy at ${HAPROXY}`]), ...(redisAnswers() ? [] : [`no Redis answers at ${REDIS_URL}`])];
const describeCluster = missing.length === 0 ? describe : describe.skip;
if (missing.length > 0) process.stdout.write(`SKIPPED cluster browser test: ${missing.join('; ')}\n`);

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  return port;
}

/** Spawns a program and resolves once its output matches `ready` (or, without a pattern, at once). */
function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp | null): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start: ${output.slice(-2000)}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (!started && ready?.test(output) === true) {
        started = true;
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${name} exited with ${String(code ?? signal)}: ${output.slice(-2000)}`));
    });
    if (ready === null) {
      started = true;
      clearTimeout(timer);
      resolve(child);
    }
  });
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Resolves once something accepts TCP connections on the port (HAProxy prints nothing when ready). */
async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => { resolve(false); });
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Ports {
  patientFrontend: number;
  injectorFrontend: number;
  apis: [number, number];
  sfus: Record<(typeof NODE_IDS)[number], number>;
  client: number;
}

/**
 * HAProxy's configuration: one frontend per participant, each pinned to its own API
 * instance; both share the SFU nodes (`/sfu/<id>/...`, prefix stripped) and the client server.
 * X-Forwarded-For is replaced by the TCP peer (never appended to a client's own header).
 */
function haproxyConfig(ports: Ports): string {
  const frontend = (name: string, port: number, api: string): string => `
frontend ${name}
  bind 127.0.0.1:${port}
  http-request set-header X-Forwarded-For %[src]
${NODE_IDS.map((id) => `  use_backend sfu_${id} if { path_beg /sfu/${id}/ }`).join('\n')}
  use_backend ${api} if { path_beg /v1/ /.well-known/ /openapi.json } or { path /health /ready }
  default_backend client
`;
  const sfuBackends = NODE_IDS.map(
    (id) => `
backend sfu_${id}
  http-request replace-path /sfu/${id}(/.*) \\1
  server ${id} 127.0.0.1:${ports.sfus[id]}
`,
  ).join('');
  return `global
  maxconn 512

defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  # WebSocket signaling stays open for the whole visit.
  timeout tunnel 1h
${frontend('patient', ports.patientFrontend, 'api_a')}${frontend('injector', ports.injectorFrontend, 'api_b')}
backend api_a
  server api-a 127.0.0.1:${ports.apis[0]}

backend api_b
  server api-b 127.0.0.1:${ports.apis[1]}
${sfuBackends}
backend client
  server client 127.0.0.1:${ports.client}
`;
}

describeCluster('consult through HAProxy, two API instances and two SFU nodes on Redis', () => {
  let test: TestApi;
  let second: ApiApp;
  const servers: Server[] = [];
  const sfus = new Map<string, ChildProcess>();
  let client: ChildProcess | undefined;
  let haproxy: ChildProcess | undefined;
  let ports: Ports;
  let browser: Browser;
  let practiceSlug: string;
  let patient: TestUser;
  let injector: TestUser;
  let frontDesk: TestUser;
  let appointmentId: string;
  const lines: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const redis = new Redis(REDIS_URL);
    await redis.flushdb();
    redis.disconnect();

    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `cluster-sfu-${Date.now().toString(36)}`;
    const sfuPrivateJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' });
    const sfuPublicJwk = JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'ES256' });
    const apiEnv = { REDIS_URL, SFU_SERVICE_PUBLIC_JWK: sfuPublicJwk, TRUST_PROXY: '1', LOG_LEVEL: 'warn' };
    test = await startTestApi(apiEnv);
    // The second instance: same database (as the runtime role), same Redis.
    second = await initApp(test.config, { databaseUrl: test.database.runtimeUrl, logger: createLogger({ level: 'warn' }) });
    for (const app of [test.api, second]) {
      const server = createServer(app.app);
      app.live.attach(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    const apiPorts = servers.map((server) => (server.address() as AddressInfo).port);
    ports = {
      patientFrontend: await freePort(),
      injectorFrontend: await freePort(),
      apis: [apiPorts[0] ?? 0, apiPorts[1] ?? 0],
      sfus: { 'node-a': await freePort(), 'node-b': await freePort() },
      client: await freePort(),
    };

    await Promise.all(
      NODE_IDS.map(async (id) => {
        const child = await startProcess(
          `sfu ${id}`,
          process.execPath,
          [path.join(repoRoot, 'sfu/dist/src/index.js')],
          {
            NODE_ENV: 'test',
            LOG_LEVEL: 'info',
            SFU_HOST: '127.0.0.1',
            SFU_PORT: String(ports.sfus[id]),
            SFU_WORKERS: '1',
            SFU_LISTEN_IP: '127.0.0.1',
            // SFU -> API calls go to the first instance; staff poll the second (shared board).
            SFU_API_URL: `http://127.0.0.1:${ports.apis[0]}`,
            SFU_SERVICE_JWK: sfuPrivateJwk,
            REDIS_URL,
            SFU_NODE_ID: id,
            // Path only: each browser reaches the node through its own frontend (its page's
            // origin), so the client's CSP stays connect-src 'self'.
            SFU_PUBLIC_URL: `/sfu/${id}`,
            SFU_AUDIT_JOURNAL: path.join(mkdtempSync(path.join(tmpdir(), `cluster-${id}-`)), 'audit.jsonl'),
          },
          /sfu listening/,
        );
        sfus.set(id, child);
      }),
    );
    client = await startProcess(
      'client',
      process.execPath,
      [path.join(repoRoot, 'client/server/clientServer.mjs')],
      // The client server's own proxies are unused here: HAProxy routes /v1 and the SFU paths.
      { CLIENT_PORT: String(ports.client), API_URL: `http://127.0.0.1:${ports.apis[0]}`, SFU_URL: `http://127.0.0.1:${ports.sfus['node-a']}` },
      /client listening/,
    );
    const configDir = mkdtempSync(path.join(tmpdir(), 'cluster-haproxy-'));
    const configFile = path.join(configDir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig(ports));
    haproxy = await startProcess('haproxy', HAPROXY, ['-f', configFile, '-db'], {}, null);
    await Promise.all([waitForPort(ports.patientFrontend), waitForPort(ports.injectorFrontend)]);

    const clinic = await seedConsultClinic(test, 20);
    practiceSlug = clinic.practice.slug;
    ({ injector, patient, appointmentId } = clinic);
    frontDesk = await createUser(test, clinic.practice.id, 'front_desk');
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    // (When beforeAll failed half way, later steps throw here too; its own error is the one to read.)
    await browser.close();
    if (haproxy !== undefined) await stopProcess(haproxy);
    if (client !== undefined) await stopProcess(client);
    await Promise.all([...sfus.values()].map((child) => stopProcess(child)));
    for (const app of [test.api, second]) await app.live.close();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    }
    await shutdownApp(second);
    await test.close();
  });

  it('consults with E2EE video through different API instances, and both sides decode again after the room\'s SFU node is killed', async () => {
    const patientContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const injectorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    patientContext.setDefaultTimeout(60_000);
    injectorContext.setDefaultTimeout(60_000);
    const pages: Record<string, Page> = {};
    try {
      const injectorPage = await injectorContext.newPage();
      pages.injector = injectorPage;
      recordConsole(injectorPage, 'injector', lines);
      await injectorPage.goto(`http://127.0.0.1:${ports.injectorFrontend}`);
      await signIn(injectorPage, practiceSlug, injector);
      await injectorPage.locator(`a[href="/visit/${appointmentId}"]`).click();
      await injectorPage.getByRole('button', { name: 'Continue' }).click({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.getByText('Nobody is waiting.').waitFor({ timeout: MEDIA_TIMEOUT_MS });

      // The front desk's schedule is open (through the injector's frontend, so on the second
      // API instance) before the patient arrives: the alert must be pushed, not polled.
      const schedulePage = await injectorContext.newPage();
      pages.schedule = schedulePage;
      const live = watchLiveChannel(schedulePage);
      await schedulePage.goto(`http://127.0.0.1:${ports.injectorFrontend}`);
      await signIn(schedulePage, practiceSlug, frontDesk);
      await live.connected;

      const patientPage = await patientContext.newPage();
      pages.patient = patientPage;
      recordConsole(patientPage, 'patient', lines);
      await patientPage.goto(`http://127.0.0.1:${ports.patientFrontend}`);
      await signIn(patientPage, practiceSlug, patient);
      await patientPage.locator(`a[href="/visit/${appointmentId}"]`).click();
      await patientPage.getByLabel('Type your full name to sign').fill('Pat Patient');
      await patientPage.getByRole('button', { name: 'Sign and continue' }).click();
      await patientPage.getByLabel('Your current state').selectOption('CT');
      await patientPage.getByRole('button', { name: 'Confirm location' }).click();
      await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await patientPage.getByRole('button', { name: 'Continue' }).click();
      await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      const waitingAt = Date.now();

      // The SFU reported the join to the first API instance; the schedule's live connection is
      // on the second, and the Redis adapter carries the nudge across. Its fallback poll runs
      // every 60 s, so an alert within 3 s was pushed.
      await schedulePage.getByTestId('waiting-alert').filter({ hasText: 'Pat Patient' }).filter({ hasText: 'Virtual consult' }).waitFor({ timeout: 3000 });
      process.stdout.write(`cluster: waiting alert shown ${String(Date.now() - waitingAt)} ms after the patient entered the waiting room\n`);
      expect(live.nudges()).toBeGreaterThanOrEqual(1);
      await schedulePage.screenshot({ path: path.join(ARTIFACTS, 'cluster-schedule-waiting-alert.png'), fullPage: true });
      await schedulePage.close();
      delete pages.schedule;

      await injectorPage.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
      const [patientFrames, injectorFrames] = await Promise.all([waitForDecodedRemoteVideo(patientPage), waitForDecodedRemoteVideo(injectorPage)]);
      expect(patientFrames).toBeGreaterThan(10);
      expect(injectorFrames).toBeGreaterThan(10);
      await patientPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      const codeBefore = await patientPage.getByTestId('sas').getAttribute('data-sas');
      expect(codeBefore).toBe(await injectorPage.getByTestId('sas').getAttribute('data-sas'));

      // Which node serves the room: the placement both API instances share in Redis.
      const redis = new Redis(REDIS_URL);
      const home = await redis.get(`${ROOM_NODE_KEY_PREFIX}${appointmentId}`);
      redis.disconnect();
      const homeProcess = home === null ? undefined : sfus.get(home);
      if (home === null || homeProcess === undefined) throw new Error(`room placed on an unknown node: ${String(home)}`);

      const killedAt = Date.now();
      await stopProcess(homeProcess, 'SIGKILL');
      await Promise.all([patientPage, injectorPage].map((page) => page.locator('.room:not([data-phase=in_room])').waitFor({ timeout: MEDIA_TIMEOUT_MS })));
      await Promise.all([patientPage, injectorPage].map((page) => page.locator('.room[data-phase=in_room]').waitFor({ timeout: MEDIA_TIMEOUT_MS })));
      // New frames presented after the move (requestVideoFrameCallback), on both sides.
      const [patientAfter, injectorAfter] = await Promise.all([waitForDecodedRemoteVideo(patientPage), waitForDecodedRemoteVideo(injectorPage)]);
      const recoveredMs = Date.now() - killedAt;
      process.stdout.write(`cluster failover: video decoded again after ${recoveredMs} ms\n`);
      expect(patientAfter).toBeGreaterThan(10);
      expect(injectorAfter).toBeGreaterThan(10);
      await patientPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      // The move was a new join with fresh certified keys: both show one new, equal code.
      const codeOf = async (page: Page): Promise<string> => (await page.getByTestId('sas').getAttribute('data-sas')) ?? '';
      let codes = ['', '-'];
      for (let attempt = 0; attempt < 60 && (codes[0] === '' || codes[0] !== codes[1]); attempt += 1) {
        codes = await Promise.all([codeOf(patientPage), codeOf(injectorPage)]);
        if (codes[0] === '' || codes[0] !== codes[1]) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(codes[0]).not.toBe('');
      expect(codes[0]).toBe(codes[1]);
      expect(codes[0]).not.toBe(codeBefore);

      const redisAfter = new Redis(REDIS_URL);
      const moved = await redisAfter.get(`${ROOM_NODE_KEY_PREFIX}${appointmentId}`);
      redisAfter.disconnect();
      expect(moved).not.toBe(home);
      expect(moved).not.toBeNull();
      // One admission only: the fresh token for the new node carried it.
      const admits = await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'room.admit' AND entity_id = $1`, [appointmentId]);
      expect(admits).toBe(1);
      // Two tokens before the kill and at least two after, each through its participant's API
      // instance; the address recorded is HAProxy's X-Forwarded-For (the loopback browser).
      const tokens = await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'room.token_issued' AND entity_id = $1 AND ip = '127.0.0.1'`, [appointmentId]);
      expect(tokens).toBeGreaterThanOrEqual(4);
      await patientPage.screenshot({ path: path.join(ARTIFACTS, 'cluster-patient-after-failover-phone.png'), fullPage: true });
      await injectorPage.screenshot({ path: path.join(ARTIFACTS, 'cluster-injector-after-failover.png'), fullPage: true });
    } catch (error) {
      for (const [name, page] of Object.entries(pages)) {
        await page.screenshot({ path: path.join(ARTIFACTS, `cluster-failure-${name}.png`), fullPage: true }).catch(() => undefined);
      }
      await writeFile(path.join(ARTIFACTS, 'cluster-failure-console.log'), lines.join('\n'));
      throw error;
    } finally {
      await patientContext.close();
      await injectorContext.close();
    }
  });
});

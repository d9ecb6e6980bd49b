#!/usr/bin/env node
// Load test of the SFU cluster (issue 12): BENCH_ROOMS (100) concurrent two-party consults
// with synthetic media, placed by the API over BENCH_NODES (2) SFU nodes through Redis.
//
//   npx tsc -b && npm run bench:cluster
//
// Everything is real and local: a scratch PostgreSQL database (migrated), the API in this
// process (initApp, as the tests start it) with REDIS_URL on a flushed logical database of
// its own, SFU node processes (sfu/dist/src/index.js, one mediasoup worker each), and
// headless WebRTC peers (@roamhq/wrtc + mediasoup-client) spread over a few child processes
// (bench/wrtc-peer-host.mjs). Per room: patient and provider each ask the API for a room
// token (placement happens there), connect to the node the token names over socket.io, the
// provider admits the patient (the SFU asks the API, which checks consent and licensure and
// records the admission in PostgreSQL), both send video and decode the other's.
//
// Printed: rooms per node and the largest deviation from an even split (goal <= 10 %),
// failed joins with reasons (goal 0; exit code 1 otherwise), join time p50/p95/max (token,
// admitted, first remote frame, all from the moment the tokens were asked for), media each
// peer received over a steady window (frames decoded, packets lost, NACKs, from getStats),
// and CPU and RSS of every SFU node (Node process and mediasoup worker, from /proc).
//
// Env: BENCH_ROOMS (100), BENCH_NODES (2), BENCH_SECONDS steady window (20),
//   BENCH_PEER_PROCESSES (4), BENCH_JOIN_CONCURRENCY rooms joining at once (10),
//   BENCH_JOIN_TIMEOUT_S (90), BENCH_WIDTH x BENCH_HEIGHT @ BENCH_FPS video (160x120 @ 10),
//   BENCH_VIDEO_KBPS encoder cap (150), BENCH_FLAT_VIDEO=1 for a flat picture (a few kbit/s),
//   BENCH_AUDIO=1 adds an Opus microphone track per peer, BENCH_ROOMS_PER_PRACTICE (10),
//   BENCH_SEED_CONCURRENCY practices set up at once (5),
//   BENCH_DATABASE_URL (owner URL of the server the scratch database is made on; default
//   postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL (redis://127.0.0.1:6379/10:
//   flushed before and after the run, so give it a database nothing else uses),
//   BENCH_ADMIT_RETRIES admission_unavailable answers a provider retries (5),
//   BENCH_RTC_PORT_BASE first media port of the nodes (10000; kept below the ephemeral range),
//   BENCH_PEER_NICE niceness added to the peer hosts (10), BENCH_LOG_DIR for the nodes' logs.
//
// A failed join is a room whose two peers did not both decode the other's video within
// BENCH_JOIN_TIMEOUT_S, or that got a signaling error the client logic does not recover
// from. Recovery the client logic does by itself (ICE restart, media rejoin, admission asked
// again, a producer gone before it was consumed) is counted and printed apart ("retries").
//
// The media is VP8-encoded synthetic frames, not end-to-end encrypted: wrtc cannot run
// encoded transforms. Producers declare E2EE as the SFU requires, and the SFU forwards
// payload it never reads either way, so its work per packet is the same.
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SFU_NODE_KEY_PREFIX } from '@medspa/shared-types';
import { Redis } from 'ioredis';
import { setUpConsults } from '../api/dist/test/rooms/roomsFixtures.js';
import { startTestApi } from '../api/dist/test/testApi.js';
import { startSfuNode, stopNode } from '../sfu/dist/test/support/sfuNode.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const envInt = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

const ROOMS = envInt('BENCH_ROOMS', 100);
const NODES = envInt('BENCH_NODES', 2);
const SECONDS = envInt('BENCH_SECONDS', 20);
const PEER_PROCESSES = envInt('BENCH_PEER_PROCESSES', 4);
const JOIN_CONCURRENCY = envInt('BENCH_JOIN_CONCURRENCY', 10);
const JOIN_TIMEOUT_MS = envInt('BENCH_JOIN_TIMEOUT_S', 90) * 1000;
const SEED_CONCURRENCY = envInt('BENCH_SEED_CONCURRENCY', 5);
const ROOMS_PER_PRACTICE = envInt('BENCH_ROOMS_PER_PRACTICE', 10);
const MEDIA = {
  width: envInt('BENCH_WIDTH', 160),
  height: envInt('BENCH_HEIGHT', 120),
  fps: envInt('BENCH_FPS', 10),
  kbps: envInt('BENCH_VIDEO_KBPS', 150),
  noise: process.env.BENCH_FLAT_VIDEO !== '1',
  audio: process.env.BENCH_AUDIO === '1',
  // A provider whose admission could not be checked asks again, as the screen tells them to.
  admitRetries: envInt('BENCH_ADMIT_RETRIES', 5),
};
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/10';
/** First media port of the nodes' range (10,000 ports split between the nodes). */
const RTC_PORT_BASE = envInt('BENCH_RTC_PORT_BASE', 10_000);
const PEER_NICE = Number(process.env.BENCH_PEER_NICE ?? 10);
/** Linux clock ticks per second (USER_HZ) for /proc/<pid>/stat times. */
const CLOCK_TICKS = 100;
const PAGE_BYTES = 4096;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => console.log(`[${((performance.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const startedAt = performance.now();
const startedWall = Date.now();
const loads = () => os.loadavg().map((value) => value.toFixed(1)).join(' / ');

// ---------------------------------------------------------------------------------------
// /proc sampling

/** utime + stime (ticks) and RSS (bytes) of one process, or undefined once it is gone. */
function procSample(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), rss: Number(fields[21]) * PAGE_BYTES };
  } catch {
    return undefined;
  }
}

/** Direct children of `pid` (the mediasoup worker of an SFU node). */
function childPids(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (procSample(Number(entry))?.ppid === pid) children.push(Number(entry));
  }
  return children;
}

/** CPU (% of one core) of each watched process between two snapshots, and RSS at the second. */
function cpuBetween(before, after) {
  const seconds = (after.at - before.at) / 1000;
  const rows = {};
  for (const [label, sample] of Object.entries(after.procs)) {
    const earlier = before.procs[label];
    rows[label] = {
      cpu: earlier === undefined ? NaN : ((sample.ticks - earlier.ticks) / CLOCK_TICKS / seconds) * 100,
      rssMb: sample.rss / 1e6,
    };
  }
  return rows;
}

/** Datagrams the kernel dropped (full receive buffer) on the UDP sockets each process holds (/proc/net/udp `drops`). */
function socketDrops(pids) {
  const dropsByInode = new Map();
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 12) dropsByInode.set(fields[9], Number(fields[12]));
    }
  }
  const rows = {};
  for (const [label, pid] of Object.entries(pids)) {
    let drops = 0;
    let sockets = 0;
    let worst = 0;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        let target;
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode === undefined || !dropsByInode.has(inode)) continue;
        sockets += 1;
        drops += dropsByInode.get(inode);
        worst = Math.max(worst, dropsByInode.get(inode));
      }
    } catch {
      continue;
    }
    rows[label] = { sockets, drops, worst };
  }
  return rows;
}

/** Machine-wide UDP counters (/proc/net/snmp): datagrams dropped because a socket's receive buffer was full. */
function udpCounters() {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
  const [names, values] = lines.map((line) => line.split(/\s+/).slice(1));
  const row = Object.fromEntries(names.map((name, index) => [name, Number(values[index])]));
  return { received: row.InDatagrams, rcvbufErrors: row.RcvbufErrors };
}

// ---------------------------------------------------------------------------------------
// Peer host processes

class PeerHost {
  /** @type {import('node:child_process').ChildProcess} */
  child;
  /** Messages per peer id, with the host's wall clock (`at`). */
  events = new Map();
  #waiters = new Set();
  #statsRequests = new Map();
  #nextRequest = 0;
  ready;

  constructor(index) {
    this.index = index;
    this.child = fork(path.join(here, 'wrtc-peer-host.mjs'), [JSON.stringify(MEDIA)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The harness's 200 peers (dozens of libwebrtc threads) must not out-schedule the
    // single-threaded mediasoup workers they measure: on a real deployment the SFU has its
    // own machine. Peer hosts run at a lower priority (BENCH_PEER_NICE, 0 = same as the SFU).
    if (PEER_NICE > 0) os.setPriority(this.child.pid, Math.min(19, os.getPriority(process.pid) + PEER_NICE));
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code, signal) => reject(new Error(`peer host ${index} exited (${code ?? signal})`)));
      this.child.on('message', (message) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'peer') {
          const id = message.id ?? `host-${index}`;
          const list = this.events.get(id) ?? [];
          list.push({ at: message.at, ...message.message });
          this.events.set(id, list);
          for (const wake of this.#waiters) wake();
        } else if (message.type === 'stats') {
          this.#statsRequests.get(message.requestId)?.(message.stats);
          this.#statsRequests.delete(message.requestId);
        }
      });
    });
    this.child.on('exit', () => { for (const wake of this.#waiters) wake(); });
  }

  start(id, sfuUrl, roomId, token, role) {
    this.child.send({ type: 'start', id, sfuUrl, roomId, token, role });
  }

  /** Waits until `done()` is true (re-checked on every message), or `timeoutMs` passed. */
  async until(done, timeoutMs) {
    if (done()) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.#waiters.delete(check); resolve(false); }, timeoutMs);
      const check = () => {
        if (done() || this.child.exitCode !== null) {
          clearTimeout(timer);
          this.#waiters.delete(check);
          resolve(done());
        }
      };
      this.#waiters.add(check);
    });
  }

  first(id, type) {
    return this.events.get(id)?.find((event) => event.type === type);
  }

  stats() {
    const requestId = this.#nextRequest++;
    return new Promise((resolve) => {
      this.#statsRequests.set(requestId, resolve);
      this.child.send({ type: 'stats', requestId });
    });
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.child.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------
// Statistics helpers

const quantile = (values, q) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
};
const ms = (value) => (Number.isFinite(value) ? `${Math.round(value)} ms` : '-');
const pct = (value) => (Number.isFinite(value) ? `${value.toFixed(1)} %` : '-');
const summary = (values) => `p50 ${ms(quantile(values, 0.5))}  p95 ${ms(quantile(values, 0.95))}  max ${ms(Math.max(...values))}`;

/** The `node` claim of a room token (the API's placement), read without verifying. */
function nodeClaim(token) {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  return payload.node ?? null;
}

/** Rotates a signed-in session's tokens (POST /v1/auth/refresh) when its access token has under a minute left. */
async function freshen(apiUrl, session) {
  const { exp } = JSON.parse(Buffer.from(session.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
  if (exp * 1000 - Date.now() > 60_000) return;
  const response = await fetch(`${apiUrl}/v1/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`refresh ${response.status} ${body.code ?? ''}`);
  session.accessToken = body.accessToken;
  session.refreshToken = body.refreshToken;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool(items, limit, work) {
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < items.length; index = next++) await work(items[index], index);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

// ---------------------------------------------------------------------------------------
// Run

const cleanups = [];
let cleaning;
/** Undoes everything started so far, newest first; safe to call more than once. */
function cleanUp() {
  cleaning ??= (async () => {
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (error) {
        console.error(`cleanup step failed: ${error?.message ?? error}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main() {
  process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  console.log(
    `cluster rooms bench: ${ROOMS} rooms, ${ROOMS * 2} peers in ${PEER_PROCESSES} processes, ${NODES} SFU nodes, ` +
      `video ${MEDIA.width}x${MEDIA.height} @ ${MEDIA.fps} fps ${MEDIA.noise ? `noise, <= ${MEDIA.kbps} kbit/s` : 'flat'}${MEDIA.audio ? ' + Opus audio' : ''}, ${os.availableParallelism()} cores, ` +
      `load average ${loads()}`,
  );

  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  cleanups.push(async () => {
    await redis.flushdb();
    redis.disconnect();
  });

  // The SFU signs its calls to the API with this key; the API gets only the public half.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'bench-sfu';
  const test = await startTestApi({
    REDIS_URL,
    SFU_SERVICE_PUBLIC_JWK: JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid }),
  });
  cleanups.push(() => test.close());
  const apiServer = test.api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => apiServer.once('listening', resolve));
  cleanups.push(() => new Promise((resolve) => { apiServer.closeAllConnections(); apiServer.close(resolve); }));
  const apiUrl = `http://127.0.0.1:${apiServer.address().port}`;
  log(`API on ${apiUrl}, scratch database ${new URL(test.database.url).pathname.slice(1)}, Redis ${REDIS_URL}`);

  const serviceJwk = JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid });
  const nodes = [];
  cleanups.push(() => Promise.all(nodes.map((node) => stopNode(node))));
  const nodeIds = Array.from({ length: NODES }, (_, index) => `node-${String.fromCharCode(97 + index)}`);
  // Media ports below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by
  // default; the SFU's default 40000-49999 lies inside it): another program on this machine
  // that picks a free port and floods it (bench/sfu-consumers.mjs with BENCH_SINK=none does)
  // could otherwise hit a port a worker binds a moment later, and that transport drowns.
  const portSpan = Math.floor(10_000 / NODES);
  nodes.push(
    ...(await Promise.all(
      nodeIds.map((id, index) =>
        startSfuNode({
          id,
          apiUrl,
          serviceJwk,
          redisUrl: REDIS_URL,
          env: { SFU_RTC_MIN_PORT: String(RTC_PORT_BASE + index * portSpan), SFU_RTC_MAX_PORT: String(RTC_PORT_BASE + (index + 1) * portSpan - 1) },
        }),
      ),
    )),
  );
  // Keep every node's log (pino JSON) for diagnosis: where a join failed on the SFU side.
  const logDir = process.env.BENCH_LOG_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'bench-cluster-'));
  for (const node of nodes) {
    const file = createWriteStream(path.join(logDir, `${node.id}.log`));
    node.child.stdout.on('data', (chunk) => file.write(chunk));
    node.child.stderr.on('data', (chunk) => file.write(chunk));
  }
  log(`SFU node logs in ${logDir}`);
  const workers = new Map(nodes.map((node) => [node.id, childPids(node.child.pid)]));
  log(`SFU nodes: ${nodes.map((node) => `${node.id} pid ${node.child.pid} (worker ${workers.get(node.id).join(',')}) ${node.url}`).join('; ')}`);

  // Seed: per room a licensed injector and a patient who signed the telehealth consent, with a
  // virtual consult starting in five minutes (inside the admission window), 10 to a practice.
  const seedStarted = performance.now();
  const visits = await setUpConsults(test, ROOMS, { perPractice: ROOMS_PER_PRACTICE, concurrency: SEED_CONCURRENCY });
  log(`seeded ${ROOMS} consults in ${Math.ceil(ROOMS / ROOMS_PER_PRACTICE)} practices in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  const hosts = Array.from({ length: PEER_PROCESSES }, (_, index) => new PeerHost(index));
  cleanups.push(() => Promise.all(hosts.map((host) => host.stop())));
  await Promise.all(hosts.map((host) => host.ready));

  const watched = () => {
    const procs = {};
    for (const node of nodes) {
      const own = procSample(node.child.pid);
      if (own !== undefined) procs[`${node.id} node`] = own;
      for (const pid of workers.get(node.id)) {
        const worker = procSample(pid);
        if (worker !== undefined) procs[`${node.id} worker`] = worker;
      }
    }
    for (const host of hosts) {
      const sample = procSample(host.child.pid);
      if (sample !== undefined) procs[`peers ${host.index}`] = sample;
    }
    const self = procSample(process.pid);
    if (self !== undefined) procs['bench + API'] = self;
    return { at: performance.now(), procs };
  };

  // Join: both parties ask for a token, connect to the node it names, the provider admits.
  // Rooms join round-robin over the practices: every admission and room event of a practice
  // appends to that practice's audit chain, one writer at a time, so joining ten rooms of one
  // clinic at once would measure that queue rather than the cluster.
  const order = visits.map((_, seat) => seat).sort((a, b) => (a % ROOMS_PER_PRACTICE) - (b % ROOMS_PER_PRACTICE) || a - b);
  const rooms = order.map((seat, index) => ({ index, visit: visits[seat], host: hosts[index % hosts.length] }));
  const udpBefore = udpCounters();
  const joinStart = watched();
  const joinLoad = [os.loadavg()[0]];
  await pool(rooms, JOIN_CONCURRENCY, async (room) => {
    const { visit, host } = room;
    const roomId = visit.appointmentId;
    try {
      // Access tokens live 5 minutes, the run longer: refresh like the web client does (not timed).
      await Promise.all([freshen(apiUrl, visit.patient), freshen(apiUrl, visit.provider)]);
    } catch (error) {
      room.failure = error.message;
      return;
    }
    room.t0 = Date.now();
    const grant = async (session) => {
      const response = await fetch(`${apiUrl}/v1/appointments/${roomId}/room-token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      const body = await response.json();
      if (response.status !== 201) throw new Error(`room token ${response.status} ${body.code ?? ''}`);
      return body;
    };
    let grants;
    try {
      grants = await Promise.all([grant(visit.patient), grant(visit.provider)]);
    } catch (error) {
      room.failure = error.message;
      return;
    }
    room.tokenAt = Date.now();
    const [patientGrant, providerGrant] = grants;
    room.nodes = [nodeClaim(patientGrant.token), nodeClaim(providerGrant.token)];
    if (room.nodes[0] !== room.nodes[1] || patientGrant.sfuUrl !== providerGrant.sfuUrl) {
      room.failure = `patient and provider placed apart (${room.nodes.join(' vs ')})`;
      return;
    }
    room.node = room.nodes[0];
    const patientId = `${room.index}-patient`;
    const providerId = `${room.index}-provider`;
    room.peerIds = [patientId, providerId];
    host.start(patientId, patientGrant.sfuUrl, roomId, patientGrant.token, 'patient');
    host.start(providerId, providerGrant.sfuUrl, roomId, providerGrant.token, 'provider');
    const failed = () => room.peerIds.flatMap((id) => (host.events.get(id) ?? []).filter((event) => event.type === 'error'));
    const done = () => failed().length > 0 || (host.first(patientId, 'receiving') !== undefined && host.first(providerId, 'receiving') !== undefined);
    const finished = await host.until(done, JOIN_TIMEOUT_MS);
    room.admittedAt = host.first(patientId, 'admitted')?.at;
    const errors = failed();
    if (errors.length > 0) {
      room.failure = errors.map((event) => `${event.code}: ${event.message}`).join('; ');
    } else if (!finished) {
      const reached = room.peerIds.map((id) => `${id.split('-')[1]} at ${(host.events.get(id) ?? []).map((event) => event.type).join('>') || 'nothing'}`);
      room.failure = `no remote frame within ${JOIN_TIMEOUT_MS / 1000} s (${reached.join(', ')})`;
    } else {
      room.mediaAt = Math.max(...room.peerIds.map((id) => host.first(id, 'receiving').at));
    }
    joinLoad.push(os.loadavg()[0]);
  });
  const joinEnd = watched();
  const joined = rooms.filter((room) => room.failure === undefined);
  log(`joins done: ${joined.length}/${ROOMS} rooms with media both ways; load average ${loads()}`);

  // Steady window: counters at its start and end; nothing else runs meanwhile.
  const statsOf = async () => Object.assign({}, ...(await Promise.all(hosts.map((host) => host.stats()))));
  await sleep(2000);
  const statsBefore = await statsOf();
  const steadyStart = watched();
  const steadyLoad = [os.loadavg()[0]];
  const ticker = setInterval(() => steadyLoad.push(os.loadavg()[0]), 5000);
  await sleep(SECONDS * 1000);
  clearInterval(ticker);
  const steadyEnd = watched();
  const statsAfter = await statsOf();
  const udpAfter = udpCounters();
  const dropsPerProcess = socketDrops(Object.fromEntries([
    ...nodes.flatMap((node) => workers.get(node.id).map((pid) => [`${node.id} worker`, pid])),
    ...hosts.map((host) => [`peers ${host.index}`, host.child.pid]),
  ]));
  const nodeRecords = await Promise.all(nodeIds.map(async (id) => JSON.parse((await redis.get(`${SFU_NODE_KEY_PREFIX}${id}`)) ?? 'null')));
  const windowSeconds = (steadyEnd.at - steadyStart.at) / 1000;

  // ---- Report -------------------------------------------------------------------------
  console.log('\n== placement');
  const perNode = new Map(nodeIds.map((id) => [id, 0]));
  for (const room of rooms) if (room.node !== undefined) perNode.set(room.node, (perNode.get(room.node) ?? 0) + 1);
  const placed = [...perNode.values()].reduce((a, b) => a + b, 0);
  const even = placed / NODES;
  const deviation = Math.max(...[...perNode.values()].map((count) => Math.abs(count - even) / even)) * 100;
  for (const [id, count] of perNode) {
    const record = nodeRecords[nodeIds.indexOf(id)];
    console.log(`${id}: ${count} rooms placed by the API; node heartbeat says ${record?.rooms ?? '?'} rooms, ${record?.peers ?? '?'} peers`);
  }
  console.log(`largest deviation from an even split: ${pct(deviation)} (goal <= 10 %)`);

  console.log('\n== joins');
  const failures = rooms.filter((room) => room.failure !== undefined);
  console.log(`failed joins: ${failures.length} of ${ROOMS} rooms (goal 0)`);
  const reasons = new Map();
  for (const room of failures) {
    const reason = room.failure.split(' (')[0];
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  for (const [reason, count] of reasons) console.log(`  ${count} x ${reason}`);
  for (const room of failures.slice(0, 5)) console.log(`  e.g. room ${room.index} (${room.node ?? 'unplaced'}): ${room.failure}`);
  // Recovery the client logic did by itself (ICE restarts, media rejoins, admissions asked
  // again): not failures, but counted, with the rooms that needed any.
  const retries = new Map();
  let roomsWithRetries = 0;
  const dropTimes = [];
  for (const room of rooms) {
    let any = false;
    for (const id of room.peerIds ?? []) {
      const events = room.host.events.get(id) ?? [];
      const connectedAt = {};
      for (const event of events) {
        if (event.type === 'retry') {
          any = true;
          retries.set(event.kind, (retries.get(event.kind) ?? 0) + 1);
        } else if (event.type === 'transportState') {
          if (event.state === 'connected') connectedAt[event.direction] = event.at;
          else if (connectedAt[event.direction] !== undefined) {
            dropTimes.push({ state: event.state, afterConnected: event.at - connectedAt[event.direction], sinceStart: event.at - startedWall });
            connectedAt[event.direction] = undefined;
          }
        }
      }
    }
    if (any) roomsWithRetries += 1;
  }
  console.log(`client-logic retries: ${JSON.stringify(Object.fromEntries(retries))} in ${roomsWithRetries} rooms`);
  for (const state of ['disconnected', 'failed']) {
    const drops = dropTimes.filter((drop) => drop.state === state);
    if (drops.length === 0) continue;
    console.log(
      `  transports ${state} after having connected: ${drops.length}; ${summary(drops.map((drop) => drop.afterConnected))} after connecting; ` +
        `first at ${ms(Math.min(...drops.map((drop) => drop.sinceStart)))}, last at ${ms(Math.max(...drops.map((drop) => drop.sinceStart)))} of the run`,
    );
  }
  console.log(`UDP datagrams dropped machine-wide for a full socket buffer (all processes, also other jobs): ${udpAfter.rcvbufErrors - udpBefore.rcvbufErrors} of ${udpAfter.received - udpBefore.received} received`);
  console.log(`  of which on this run's UDP sockets (since each opened): ${Object.entries(dropsPerProcess).map(([label, row]) => `${label} ${row.drops} on ${row.sockets} (worst socket ${row.worst})`).join(', ')}`);
  const since = (key) => joined.map((room) => room[key] - room.t0);
  console.log(`join concurrency ${JOIN_CONCURRENCY} rooms at a time; times from asking for the tokens:`);
  console.log(`  both tokens granted     ${summary(since('tokenAt'))}`);
  console.log(`  patient admitted        ${summary(since('admittedAt'))}`);
  console.log(`  first remote frame both ${summary(since('mediaAt'))}`);
  console.log(`  join phase took ${((joinEnd.at - joinStart.at) / 1000).toFixed(1)} s; load average (1 min) during it ${Math.min(...joinLoad).toFixed(1)}-${Math.max(...joinLoad).toFixed(1)}`);

  console.log(`\n== media over a ${windowSeconds.toFixed(1)} s steady window (getStats deltas per peer)`);
  const delta = (after, before, kind, field, direction = 'inbound') => (after?.[direction]?.[kind]?.[field] ?? 0) - (before?.[direction]?.[kind]?.[field] ?? 0);
  const peerRows = [];
  let rebuiltInWindow = 0;
  for (const room of joined) {
    for (const id of room.peerIds) {
      const after = statsAfter[id];
      const before = statsBefore[id];
      const sameMedia = after?.generation === before?.generation;
      if (!sameMedia) {
        // Its media was rebuilt inside the window: counters restarted, no delta to take.
        rebuiltInWindow += 1;
        continue;
      }
      peerRows.push({
        room,
        id,
        sameMedia,
        frames: delta(after, before, 'video', 'framesDecoded'),
        packets: delta(after, before, 'video', 'packetsReceived'),
        lost: delta(after, before, 'video', 'packetsLost'),
        nacks: delta(after, before, 'video', 'nackCount'),
        audioPackets: delta(after, before, 'audio', 'packetsReceived'),
        audioLost: delta(after, before, 'audio', 'packetsLost'),
        framesReceived: delta(after, before, 'video', 'framesReceived'),
        framesDropped: delta(after, before, 'video', 'framesDropped'),
        sentFrames: delta(after, before, 'video', 'framesEncoded', 'outbound'),
        sentPackets: delta(after, before, 'video', 'packetsSent', 'outbound'),
        sentBytes: delta(after, before, 'video', 'bytesSent', 'outbound'),
        bytes: delta(after, before, 'video', 'bytesReceived'),
      });
    }
  }
  const silent = peerRows.filter((row) => row.frames <= 0);
  const roomsBothWays = joined.filter((room) => peerRows.filter((row) => row.room === room).length === 2 && peerRows.filter((row) => row.room === room).every((row) => row.frames > 0)).length;
  if (rebuiltInWindow > 0) console.log(`${rebuiltInWindow} peers rebuilt their media inside the window (not in the rates below)`);
  const fps = peerRows.map((row) => row.frames / windowSeconds);
  const sum = (key) => peerRows.reduce((total, row) => total + row[key], 0);
  console.log(`rooms where both peers decoded the other's video in the window: ${roomsBothWays} of ${joined.length} joined (${ROOMS} asked)`);
  if (silent.length > 0) {
    // What happened to them: their socket and transport events after the first frame.
    const fates = new Map();
    for (const row of silent) {
      const events = (row.room.host.events.get(row.id) ?? []).filter((event) => ['disconnected', 'transportState', 'reconnectRequired', 'error'].includes(event.type));
      const fate = events.map((event) => event.reason ?? (event.state === undefined ? event.code : `${event.direction} ${event.state}`)).join(' > ') || 'no event';
      fates.set(fate, (fates.get(fate) ?? 0) + 1);
    }
    console.log(`  ${silent.length} peers decoded nothing; their socket / transport events: ${JSON.stringify(Object.fromEntries(fates))}`);
  }
  console.log(`received video fps per peer: min ${Math.min(...fps).toFixed(1)}  p5 ${quantile(fps, 0.05).toFixed(1)}  p50 ${quantile(fps, 0.5).toFixed(1)}  max ${Math.max(...fps).toFixed(1)} (sent at ${MEDIA.fps}; encoded per peer p50 ${quantile(peerRows.map((row) => row.sentFrames / windowSeconds), 0.5).toFixed(1)} fps)`);
  const perPeer = (key) => quantile(peerRows.map((row) => row[key] / windowSeconds), 0.5).toFixed(1);
  console.log(
    `per peer per second (p50): sent ${perPeer('sentPackets')} packets / ${(Number(perPeer('sentBytes')) * 8 / 1000).toFixed(0)} kbit/s, ` +
      `received ${perPeer('packets')} packets / ${(Number(perPeer('bytes')) * 8 / 1000).toFixed(0)} kbit/s, frames received ${perPeer('framesReceived')}, decoded ${perPeer('frames')}, dropped ${perPeer('framesDropped')}`,
  );
  const packets = sum('packets');
  const lost = sum('lost');
  console.log(`video packets received ${packets}, lost ${lost} (${pct((lost / Math.max(1, packets + lost)) * 100)}), NACKs sent ${sum('nacks')}`);
  if (MEDIA.audio) {
    const audioPackets = sum('audioPackets');
    const audioLost = sum('audioLost');
    console.log(`audio packets received ${audioPackets}, lost ${audioLost} (${pct((audioLost / Math.max(1, audioPackets + audioLost)) * 100)})`);
  }
  console.log(`load average (1 min) during the window: ${Math.min(...steadyLoad).toFixed(1)}-${Math.max(...steadyLoad).toFixed(1)}`);

  console.log('\n== CPU (% of one core) and RSS');
  const joinCpu = cpuBetween(joinStart, joinEnd);
  const steadyCpu = cpuBetween(steadyStart, steadyEnd);
  console.log(`${'process'.padEnd(16)} ${'join phase'.padStart(11)} ${'steady'.padStart(9)} ${'RSS'.padStart(9)}`);
  for (const [label, row] of Object.entries(steadyCpu)) {
    console.log(`${label.padEnd(16)} ${pct(joinCpu[label]?.cpu).padStart(11)} ${pct(row.cpu).padStart(9)} ${`${row.rssMb.toFixed(0)} MB`.padStart(9)}`);
  }
  const sfuSteady = Object.entries(steadyCpu).filter(([label]) => label.startsWith('node-')).reduce((total, [, row]) => total + row.cpu, 0);
  console.log(`all SFU processes together, steady: ${pct(sfuSteady)} for ${joined.length * 2} peers (${pct(sfuSteady / Math.max(1, joined.length * 2))} per peer)`);

  console.log('\n== API requests during the run (access log: count by status, response time)');
  const byRoute = new Map();
  for (const line of test.logs.lines) {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const route = entry.req?.path?.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id');
    if (route === undefined || !/room-token|internal\/sfu/.test(route)) continue;
    const row = byRoute.get(route) ?? { statuses: new Map(), times: [] };
    row.statuses.set(entry.res?.statusCode, (row.statuses.get(entry.res?.statusCode) ?? 0) + 1);
    if (typeof entry.responseTime === 'number') row.times.push(entry.responseTime);
    byRoute.set(route, row);
  }
  for (const [route, row] of byRoute) {
    console.log(`${route}: ${JSON.stringify(Object.fromEntries(row.statuses))}  ${summary(row.times)}`);
  }

  const ok = failures.length === 0 && roomsBothWays === joined.length;
  console.log(`\nresult: ${ok ? 'every room joined and exchanged media' : 'FAILED: see failed joins / silent peers above'}; placement deviation ${pct(deviation)}`);
  return ok;
}

let ok = false;
try {
  ok = await main();
} catch (error) {
  console.error(error);
} finally {
  await cleanUp();
}
// wrtc hosts are gone; pg, Redis and the API are closed: exit explicitly anyway, so a
// lingering handle can never keep a finished bench alive.
process.exit(ok ? 0 : 1);

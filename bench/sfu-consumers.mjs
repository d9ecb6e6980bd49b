#!/usr/bin/env node
// How many consumers one mediasoup worker (one core) forwards a consult video stream to with
// under 1 % loss, and at what CPU. Loopback only; nothing leaves the machine.
//
// One producer receives a synthetic VP8 stream (RTP over a PlainTransport, 30 fps, 3 packets
// per frame, ~1 KB packets: ~0.7 Mbit/s, a consult-sized camera layer). Each consumer has its
// own PlainTransport with SRTP (AES_CM_128_HMAC_SHA1_80, RFC 3711), like a WebRTC subscriber's
// per-transport encryption, sending to a counting UDP sink. For each step the script prints:
//   - forwarded: packets the worker sent (consumer stats) vs packets generated x consumers,
//   - delivered: packets the sink received (also limited by this Node process on a busy box),
//   - worker CPU: user+system time of the worker process over the measurement window,
//   - µs/pkt: worker CPU time per forwarded packet (the per-consumer cost of one packet),
//   - sends: "sendmsg" (one syscall per packet), or the share of packets the worker queued in
//     io_uring (the rest fell back to sendmsg because the submission queue was full).
// usage: node bench/sfu-consumers.mjs [steps, e.g. 100,250,500,750,1000]
//   BENCH_SECONDS: measurement window per step (default 6)
//   BENCH_SINK=none: consumers send to a port nobody reads (no receiving cost in this process,
//   which on a 2-core box otherwise competes with the worker); delivered loss is then not measured.
//   BENCH_WORKER_BINS=old:/path/a,new:/path/b: compares worker binaries in one run. Each binary
//   gets its own child process (MEDIASOUP_WORKER_BIN) holding its worker and consumers; at every
//   step the children measure one after the other (order swapped each step, so neither always
//   runs first), and a side-by-side table follows. A binary stops at its first step >= 1 % loss.
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const require = createRequire(new URL('../sfu/package.json', import.meta.url));
const mediasoup = require('mediasoup');

const STEPS = (process.argv[2] ?? '100,250,500,750,1000,1250,1500').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const WARMUP_MS = 1000;
/** Time for queued packets to leave the worker after the stream stops. */
const DRAIN_MS = 1000;
const FPS = 30;
const PACKETS_PER_FRAME = 3;
const PACKET_BYTES = 1000;
const KEYFRAME_EVERY = 60;
const SSRC = 0x1234abcd;
const PAYLOAD_TYPE = 101;
/** VP8 RTP clock (RFC 7741 §6.1). */
const CLOCK_RATE = 90000;
const LOSS_LIMIT = 0.01;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** One RTP packet (RFC 3550 §5.1) carrying a VP8 payload descriptor (RFC 7741 §4.2). */
function packet(sequence, timestamp, firstOfFrame, lastOfFrame, keyFrame) {
  const buffer = Buffer.alloc(PACKET_BYTES);
  buffer[0] = 0x80;
  buffer[1] = (lastOfFrame ? 0x80 : 0) | PAYLOAD_TYPE;
  buffer.writeUInt16BE(sequence & 0xffff, 2);
  buffer.writeUInt32BE(timestamp >>> 0, 4);
  buffer.writeUInt32BE(SSRC, 8);
  buffer[12] = firstOfFrame ? 0x10 : 0x00; // S bit on the first packet, partition 0
  if (firstOfFrame) {
    // VP8 frame tag: P bit 0 = key frame (RFC 6386 §9.1), then the key frame start code.
    buffer[13] = keyFrame ? 0x00 : 0x01;
    if (keyFrame) buffer.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 16);
  }
  randomBytes(64).copy(buffer, 40);
  return buffer;
}

/** A worker with one producer fed by this process, ready to grow its consumer count. */
async function createBench() {
  const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 20000, rtcMaxPort: 29999 });
  const router = await worker.createRouter({
    mediaCodecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: CLOCK_RATE, preferredPayloadType: PAYLOAD_TYPE }],
  });
  const input = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const producer = await input.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{ mimeType: 'video/VP8', clockRate: CLOCK_RATE, payloadType: PAYLOAD_TYPE, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
      encodings: [{ ssrc: SSRC }],
    },
  });

  const sink = createSocket('udp4');
  let delivered = 0;
  sink.on('message', () => {
    delivered += 1;
  });
  await new Promise((resolve) => sink.bind(0, '127.0.0.1', resolve));
  sink.setRecvBufferSize?.(64 * 1024 * 1024);
  const countDelivered = process.env.BENCH_SINK !== 'none';
  let sinkPort = sink.address().port;
  if (!countDelivered) {
    // Bind and release a port: packets to it are dropped by the kernel.
    const unused = createSocket('udp4');
    await new Promise((resolve) => unused.bind(0, '127.0.0.1', resolve));
    sinkPort = unused.address().port;
    unused.close();
  }

  const source = createSocket('udp4');
  let sequence = 0;
  let frame = 0;
  /** Streams for `seconds` (starting on a key frame so new consumers sync), returns packets sent. */
  const stream = (seconds) =>
    new Promise((resolve) => {
      let sent = 0;
      let framesLeft = seconds * FPS;
      let index = 0;
      const tick = setInterval(() => {
        const timestamp = Math.round((frame * CLOCK_RATE) / FPS);
        const keyFrame = index % KEYFRAME_EVERY === 0;
        for (let part = 0; part < PACKETS_PER_FRAME; part += 1) {
          source.send(packet(sequence, timestamp, part === 0, part === PACKETS_PER_FRAME - 1, keyFrame), input.tuple.localPort, '127.0.0.1');
          sequence += 1;
          sent += 1;
        }
        frame += 1;
        index += 1;
        framesLeft -= 1;
        if (framesLeft === 0) {
          clearInterval(tick);
          resolve(sent);
        }
      }, 1000 / FPS);
    });
  // The first packets teach the comedia transport the source address.
  await stream(1);

  const consumers = [];
  const rtpCapabilities = router.rtpCapabilities;

  /** Grows to `target` consumers, streams one window, returns that step's figures. */
  async function measure(target) {
    while (consumers.length < target) {
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
        enableSrtp: true,
        srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
      });
      await transport.connect({
        ip: '127.0.0.1',
        port: sinkPort,
        srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: randomBytes(30).toString('base64') },
      });
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities });
      consumers.push({ transport, consumer });
    }
    // Counters are read while no media flows, so the window edges are exact.
    await sleep(WARMUP_MS);
    const sentBefore = await forwardedPackets(consumers);
    const deliveredBefore = delivered;
    const usageBefore = await worker.getResourceUsage();
    const uringBefore = (await worker.dump()).liburing;
    const started = Date.now();
    const generated = await stream(SECONDS);
    const elapsed = (Date.now() - started) / 1000;
    const usageAfter = await worker.getResourceUsage();
    await sleep(DRAIN_MS);
    const uringAfter = (await worker.dump()).liburing;
    const sentAfter = await forwardedPackets(consumers);
    const expected = generated * consumers.length;
    const forwarded = sentAfter - sentBefore;
    const cpuMs = usageAfter.ru_utime + usageAfter.ru_stime - usageBefore.ru_utime - usageBefore.ru_stime;
    return {
      consumers: consumers.length,
      cpu: cpuMs / 1000 / elapsed,
      forwardedPerSecond: forwarded / elapsed,
      forwardLoss: Math.max(0, 1 - forwarded / expected),
      deliveredLoss: countDelivered ? Math.max(0, 1 - (delivered - deliveredBefore) / expected) : undefined,
      // Packets still queued when the window closed are counted after DRAIN_MS, while their CPU
      // may fall outside the window; at < 1 % loss that skew is below 1 %.
      microsPerPacket: forwarded > 0 ? (cpuMs * 1000) / forwarded : undefined,
      sends: sendPath(uringBefore, uringAfter),
      load: load(),
    };
  }

  const close = () => {
    source.close();
    sink.close();
    worker.close();
  };
  return { measure, close };
}

/** How the worker sent during the window (Worker.dump().liburing exists only with io_uring). */
function sendPath(before, after) {
  if (before === undefined || after === undefined) return 'sendmsg';
  const queued = after.sqeProcessCount - before.sqeProcessCount;
  const missed = after.sqeMissCount - before.sqeMissCount;
  return queued + missed > 0 ? `uring ${((queued / (queued + missed)) * 100).toFixed(0)}%` : 'uring';
}

const percent = (value) => (value === undefined ? 'n/a' : `${(value * 100).toFixed(2)} %`);
const micros = (value) => (value === undefined ? 'n/a' : value.toFixed(1));

function header() {
  console.log(`mediasoup ${mediasoup.version}, 1 worker, ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, load ${load()}`);
  console.log(`stream: VP8 ${FPS} fps x ${PACKETS_PER_FRAME} packets x ${PACKET_BYTES} B = ${((FPS * PACKETS_PER_FRAME * PACKET_BYTES * 8) / 1e6).toFixed(2)} Mbit/s; window ${SECONDS}s`);
}

async function single() {
  const bench = await createBench();
  header();
  console.log('consumers | worker CPU | forwarded pkt/s | forward loss | delivered loss | µs/pkt | sends     | load');
  let best;
  for (const target of STEPS) {
    const step = await bench.measure(target);
    console.log(
      `${String(step.consumers).padStart(9)} | ${(step.cpu * 100).toFixed(0).padStart(8)} % | ${Math.round(step.forwardedPerSecond).toString().padStart(15)} | ${percent(step.forwardLoss).padStart(12)} | ${percent(step.deliveredLoss).padStart(14)} | ${micros(step.microsPerPacket).padStart(6)} | ${step.sends.padEnd(9)} | ${step.load}`,
    );
    if (step.forwardLoss < LOSS_LIMIT) best = step;
    else break;
  }
  if (best === undefined) console.log('no step stayed under 1 % loss');
  else console.log(`RESULT: ${best.consumers} consumers per worker (one core) at <1% forward loss, worker CPU ${(best.cpu * 100).toFixed(0)} %`);
  bench.close();
}

/** Child of compare(): one worker, measuring a step whenever the parent asks. */
async function agent() {
  const bench = await createBench();
  process.on('message', (message) => {
    if (message.step === undefined) {
      bench.close();
      process.disconnect();
      return;
    }
    bench.measure(message.step).then((result) => process.send({ result }), (error) => process.send({ error: String(error) }));
  });
  process.send({ ready: true });
}

/** Parses BENCH_WORKER_BINS: name:path pairs separated by commas. */
function workerBins(spec) {
  return spec.split(',').map((entry) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new Error(`BENCH_WORKER_BINS entry "${entry}" is not name:path`);
    return { name: entry.slice(0, colon), bin: entry.slice(colon + 1) };
  });
}

async function compare(spec) {
  const here = fileURLToPath(import.meta.url);
  const contenders = workerBins(spec).map(({ name, bin }) => {
    const child = fork(here, process.argv.slice(2), { env: { ...process.env, BENCH_AGENT: '1', BENCH_WORKER_BINS: '', MEDIASOUP_WORKER_BIN: bin } });
    const replies = [];
    let waiting;
    child.on('message', (message) => {
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(message);
      } else replies.push(message);
    });
    child.on('exit', (code) => waiting?.({ error: `exited with ${code}` }));
    const next = () => (replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((resolve) => (waiting = resolve)));
    return { name, bin, child, next, rows: new Map(), failed: false };
  });
  header();
  for (const contender of contenders) {
    const reply = await contender.next();
    if (!reply.ready) throw new Error(`${contender.name}: ${reply.error}`);
    console.log(`${contender.name}: ${contender.bin}`);
  }
  console.log('build | consumers | worker CPU | forwarded pkt/s | forward loss | delivered loss | µs/pkt | sends     | load');
  for (const [index, target] of STEPS.entries()) {
    const order = index % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      if (contender.failed) continue;
      contender.child.send({ step: target });
      const reply = await contender.next();
      if (reply.error) throw new Error(`${contender.name}: ${reply.error}`);
      const step = reply.result;
      contender.rows.set(target, step);
      if (step.forwardLoss >= LOSS_LIMIT) contender.failed = true;
      console.log(
        `${contender.name.padEnd(5)} | ${String(step.consumers).padStart(9)} | ${(step.cpu * 100).toFixed(0).padStart(8)} % | ${Math.round(step.forwardedPerSecond).toString().padStart(15)} | ${percent(step.forwardLoss).padStart(12)} | ${percent(step.deliveredLoss).padStart(14)} | ${micros(step.microsPerPacket).padStart(6)} | ${step.sends.padEnd(9)} | ${step.load}`,
      );
    }
    if (contenders.every((contender) => contender.failed)) break;
  }
  for (const contender of contenders) contender.child.send({});

  console.log('\nside by side (forward loss / worker CPU / µs of worker CPU per forwarded packet):');
  console.log(`consumers | ${contenders.map((c) => c.name.padEnd(26)).join(' | ')}`);
  for (const target of STEPS) {
    if (!contenders.some((c) => c.rows.has(target))) break;
    const cells = contenders.map((c) => {
      const step = c.rows.get(target);
      return (step === undefined ? '(stopped)' : `${percent(step.forwardLoss)} / ${(step.cpu * 100).toFixed(0)} % / ${micros(step.microsPerPacket)}`).padEnd(26);
    });
    console.log(`${String(target).padStart(9)} | ${cells.join(' | ')}`);
  }
  for (const contender of contenders) {
    const passing = [...contender.rows.values()].filter((step) => step.forwardLoss < LOSS_LIMIT);
    const best = passing.at(-1);
    console.log(
      best === undefined
        ? `RESULT ${contender.name}: no step stayed under 1 % loss`
        : `RESULT ${contender.name}: ${best.consumers} consumers at <1% forward loss, worker CPU ${(best.cpu * 100).toFixed(0)} %, ${micros(best.microsPerPacket)} µs/pkt`,
    );
  }
}

/** Packets the worker sent on all consumers so far (outbound-rtp packetCount). */
async function forwardedPackets(consumers) {
  let total = 0;
  for (let index = 0; index < consumers.length; index += 50) {
    const stats = await Promise.all(consumers.slice(index, index + 50).map(({ consumer }) => consumer.getStats()));
    for (const list of stats) for (const entry of list) if (entry.type === 'outbound-rtp') total += entry.packetCount;
  }
  return total;
}

if (process.env.BENCH_AGENT === '1') await agent();
else if (process.env.BENCH_WORKER_BINS) await compare(process.env.BENCH_WORKER_BINS);
else await single();

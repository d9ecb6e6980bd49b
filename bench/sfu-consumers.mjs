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
//   - worker CPU: user+system time of the worker process over the measurement window.
// usage: node bench/sfu-consumers.mjs [steps, e.g. 100,250,500,750,1000]
//   BENCH_SECONDS: measurement window per step (default 6)
//   BENCH_SINK=none: consumers send to a port nobody reads (no receiving cost in this process,
//   which on a 2-core box otherwise competes with the worker); delivered loss is then not measured.
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';

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

async function main() {
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
  console.log(`mediasoup ${mediasoup.version}, 1 worker, ${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`stream: VP8 ${FPS} fps x ${PACKETS_PER_FRAME} packets x ${PACKET_BYTES} B = ${((FPS * PACKETS_PER_FRAME * PACKET_BYTES * 8) / 1e6).toFixed(2)} Mbit/s; window ${SECONDS}s`);
  console.log('consumers | worker CPU | forwarded pkt/s | forward loss | delivered loss');
  let best;
  for (const target of STEPS) {
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
    const started = Date.now();
    const generated = await stream(SECONDS);
    const elapsed = (Date.now() - started) / 1000;
    const usageAfter = await worker.getResourceUsage();
    await sleep(DRAIN_MS);
    const sentAfter = await forwardedPackets(consumers);
    const expected = generated * consumers.length;
    const forwarded = sentAfter - sentBefore;
    const cpu = (usageAfter.ru_utime + usageAfter.ru_stime - usageBefore.ru_utime - usageBefore.ru_stime) / 1000 / elapsed;
    const forwardLoss = Math.max(0, 1 - forwarded / expected);
    const deliveredLoss = countDelivered ? `${(Math.max(0, 1 - (delivered - deliveredBefore) / expected) * 100).toFixed(2)} %` : 'n/a';
    console.log(
      `${String(consumers.length).padStart(9)} | ${(cpu * 100).toFixed(0).padStart(8)} % | ${Math.round(forwarded / elapsed).toString().padStart(15)} | ${(forwardLoss * 100).toFixed(2).padStart(10)} % | ${deliveredLoss.padStart(14)}`,
    );
    if (forwardLoss < LOSS_LIMIT) best = { consumers: consumers.length, cpu };
    else break;
  }
  if (best === undefined) console.log('no step stayed under 1 % loss');
  else console.log(`RESULT: ${best.consumers} consumers per worker (one core) at <1% forward loss, worker CPU ${(best.cpu * 100).toFixed(0)} %`);
  source.close();
  sink.close();
  worker.close();
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

await main();

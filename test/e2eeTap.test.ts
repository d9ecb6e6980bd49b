import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { types } from 'mediasoup';
import { startTestSfu } from '../sfu/test/support/testSfu.js';
import type { TestSfu } from '../sfu/test/support/testSfu.js';

jest.setTimeout(240_000);

const PAGE_DIR = path.join(__dirname, 'dist', 'e2ee-tap-page');
/** Debian's chromium (scripts/install-system-deps.sh); playwright never downloads a browser. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

const byteAt = (buffer: Buffer, index: number): number => buffer[index] ?? 0;

/** RTP packet payload (RFC 3550 §5.1): skips CSRCs and the header extension, drops padding. */
function rtpPayload(packet: Buffer): Buffer {
  const csrcCount = byteAt(packet, 0) & 0x0f;
  const hasExtension = (byteAt(packet, 0) & 0x10) !== 0;
  const hasPadding = (byteAt(packet, 0) & 0x20) !== 0;
  let offset = 12 + 4 * csrcCount;
  if (hasExtension) offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  const end = hasPadding ? packet.length - byteAt(packet, packet.length - 1) : packet.length;
  return packet.subarray(offset, end);
}

/** Strips the VP8 payload descriptor (RFC 7741 §4.2); returns the VP8 payload and its S bit. */
function vp8Payload(payload: Buffer): { data: Buffer; startOfPartition: boolean } {
  const first = byteAt(payload, 0);
  let offset = 1;
  if ((first & 0x80) !== 0) {
    const extension = byteAt(payload, offset);
    offset += 1;
    if ((extension & 0x80) !== 0) offset += (byteAt(payload, offset) & 0x80) !== 0 ? 2 : 1; // PictureID, M bit: 15 bits
    if ((extension & 0x40) !== 0) offset += 1; // TL0PICIDX
    if ((extension & 0x30) !== 0) offset += 1; // TID/Y/KEYIDX
  }
  return { data: payload.subarray(offset), startOfPartition: (first & 0x10) !== 0 && (first & 0x0f) === 0 };
}

/** What the test page (e2eeTap/page.mjs) exposes for the simulcast scenario. */
interface TapPage {
  tap: {
    start: (a: unknown) => Promise<{ producerId: string }>;
    preferLayer: (layer: number) => Promise<void>;
    frameWidth: () => Promise<number>;
  };
}

/** VP8 key frame start code (RFC 6386 §9.1), bytes 3..5 of a key frame. */
const VP8_START_CODE = Buffer.from([0x9d, 0x01, 0x2a]);

interface TapResult {
  /** Plaintext body fingerprints the sender produced while the tap listened. */
  fingerprints: number;
  /** ...of which the SFU forwarded somewhere in an RTP payload. */
  visible: number;
  packets: number;
  keyFramesWithStartCode: number;
  framesDecoded: number;
}

/**
 * The server-side tap: a DirectTransport consumer on the room's router receives exactly the
 * RTP the SFU forwards for the producer. It exists only in this test; the SFU has no such path.
 */
async function runTap(sfu: TestSfu, browser: Browser, pageUrl: string, encrypt: boolean): Promise<TapResult> {
  const roomId = randomUUID();
  const practice = randomUUID();
  const senderToken = await sfu.signRoomToken({ room: roomId, sub: randomUUID(), role: 'provider', practice });
  const receiverToken = await sfu.signRoomToken({ room: roomId, sub: randomUUID(), role: 'patient', practice });
  const page: Page = await browser.newPage();
  try {
    await page.goto(pageUrl);
    await page.waitForFunction(() => (globalThis as unknown as { tapReady?: boolean }).tapReady === true);
    const { producerId } = await page.evaluate(
      (args) => (globalThis as unknown as { tap: { start: (a: unknown) => Promise<{ producerId: string }> } }).tap.start(args),
      { sfuUrl: sfu.server.url, roomId, senderToken, receiverToken, encrypt },
    );
    const room = sfu.server.rooms.get(roomId);
    if (room === undefined) throw new Error('room not open');
    const direct = await room.router.createDirectTransport();
    const consumer: types.Consumer = await direct.consume({ producerId, rtpCapabilities: room.router.rtpCapabilities });
    const packets: { data: Buffer; startOfPartition: boolean }[] = [];
    consumer.on('rtp', (packet: Buffer) => {
      packets.push(vp8Payload(rtpPayload(packet)));
    });
    await page.evaluate(() => { (globalThis as unknown as { tap: { resetPlaintext: () => void } }).tap.resetPlaintext(); });
    await consumer.requestKeyFrame();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await consumer.requestKeyFrame();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    direct.close();
    // Frames encoded in the last moments may not have reached the tap yet.
    const plaintext = (await page.evaluate(() => (globalThis as unknown as { tap: { plaintext: () => { body: string }[] } }).tap.plaintext())).slice(0, -15);
    const visible = plaintext.filter(({ body }) => packets.some(({ data }) => data.includes(Buffer.from(body, 'hex')))).length;
    const keyFramesWithStartCode = packets.filter(({ data, startOfPartition }) => startOfPartition && (byteAt(data, 0) & 0x01) === 0 && data.subarray(3, 6).equals(VP8_START_CODE)).length;
    const framesDecoded = await page.evaluate(() => (globalThis as unknown as { tap: { framesDecoded: () => Promise<number> } }).tap.framesDecoded());
    return { fingerprints: plaintext.length, visible, packets: packets.length, keyFramesWithStartCode, framesDecoded };
  } finally {
    await page.close();
  }
}

describe('E2EE through the SFU, seen from a server-side tap (real Chromium)', () => {
  let sfu: TestSfu | undefined;
  let browser: Browser | undefined;
  let pageServer: http.Server | undefined;
  const started = (): { sfu: TestSfu; browser: Browser } => {
    if (sfu === undefined || browser === undefined) throw new Error('setup failed');
    return { sfu, browser };
  };
  let pageUrl: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(__dirname, '..', 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(__dirname, 'e2eeTap', 'vite.config.mjs')], {
      stdio: 'inherit',
    });
    pageServer = http.createServer((req, res) => {
      const file = path.join(PAGE_DIR, path.normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')).replace(/^(\.\.[/\\])+/, ''));
      const target = file.endsWith(path.sep) ? path.join(file, 'index.html') : file;
      readFile(target).then(
        (body) => {
          res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(target)] ?? 'application/octet-stream' }).end(body);
        },
        () => {
          res.writeHead(404).end();
        },
      );
    });
    pageServer.listen(0, '127.0.0.1');
    await once(pageServer, 'listening');
    const origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    pageUrl = `${origin}/`;
    sfu = await startTestSfu({ corsOrigins: [origin] });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sfu?.close();
    const server = pageServer;
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  });

  it('forwards plain VP8 the tap can read when frames are not encrypted (control run)', async () => {
    const result = await runTap(started().sfu, started().browser, pageUrl, false);
    expect(result.packets).toBeGreaterThan(20);
    expect(result.fingerprints).toBeGreaterThan(20);
    // The tap sees the frame bodies exactly as the encoder produced them, and key frames.
    // Not all of them: on a loaded 2-core CI box some packets are late or dropped (76% were
    // seen in one such run), so "most" is the bar; the E2EE run below must see none at all.
    expect(result.visible).toBeGreaterThan(result.fingerprints * 0.5);
    expect(result.keyFramesWithStartCode).toBeGreaterThan(0);
    expect(result.framesDecoded).toBeGreaterThan(0);
  });

  it('switches an E2EE simulcast consumer between layers as the receiver asks', async () => {
    const { sfu: server, browser: chromiumBrowser } = started();
    const roomId = randomUUID();
    const practice = randomUUID();
    const senderToken = await server.signRoomToken({ room: roomId, sub: randomUUID(), role: 'provider', practice });
    const receiverToken = await server.signRoomToken({ room: roomId, sub: randomUUID(), role: 'patient', practice });
    const page = await chromiumBrowser.newPage();
    try {
      await page.goto(pageUrl);
      await page.waitForFunction(() => (globalThis as unknown as { tapReady?: boolean }).tapReady === true);
      await page.evaluate((args) => (globalThis as unknown as TapPage).tap.start(args), {
        sfuUrl: server.server.url,
        roomId,
        senderToken,
        receiverToken,
        encrypt: true,
        simulcast: true,
      });
      const width = (): Promise<number> => page.evaluate(() => (globalThis as unknown as TapPage).tap.frameWidth());
      const until = async (condition: (value: number) => boolean): Promise<number> => {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const value = await width();
          if (condition(value)) return value;
          if (Date.now() > deadline) throw new Error(`frame width stayed ${value}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      };
      // The fake camera is 640x480: layer 0 is a quarter of it, layer 2 (once bandwidth
      // estimation allows) more than that.
      await page.evaluate(() => (globalThis as unknown as TapPage).tap.preferLayer(0));
      expect(await until((value) => value === 160)).toBe(160);
      await page.evaluate(() => (globalThis as unknown as TapPage).tap.preferLayer(2));
      expect(await until((value) => value > 160)).toBeGreaterThan(160);
      const room = server.server.rooms.get(roomId);
      const producer = room?.admittedPeers().flatMap((peer) => peer.producers)[0];
      expect(producer?.type).toBe('simulcast');
    } finally {
      await page.close();
    }
  });

  it('forwards only ciphertext when E2EE is on, and the receiver still decodes with the key', async () => {
    const result = await runTap(started().sfu, started().browser, pageUrl, true);
    expect(result.packets).toBeGreaterThan(20);
    expect(result.fingerprints).toBeGreaterThan(20);
    // Not one plaintext frame body is visible to the SFU.
    expect(result.visible).toBe(0);
    // The receiver decrypts with the production E2EE worker and decodes video.
    expect(result.framesDecoded).toBeGreaterThan(0);
  });
});

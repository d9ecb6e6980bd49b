/**
 * E2EE in real Chromium: the production worker, key agreement and SAS code, built by Vite
 * into a harness page, with video flowing between two RTCPeerConnections.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { serveDirectory } from './staticServer.js';
import type { StaticServer } from './staticServer.js';

jest.setTimeout(120_000);

describe('E2EE in Chromium', () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await serveDirectory(path.join(__dirname, '..', 'dist', 'test-harness'));
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${server.url}/e2ee.html`);
    await page.waitForFunction(() => document.title === 'ready');
  });

  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('decodes video encrypted and decrypted with the same key', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.rawWorkers(true));
    expect(result.encryptedFrames).toBeGreaterThan(0);
    expect(result.decryptedFrames).toBeGreaterThan(0);
    expect(result.framesDecoded).toBeGreaterThan(0);
    expect(result.droppedFrames).toBe(0);
  });

  it('drops every frame when the receiver has the wrong key, so nothing garbled is decoded', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.rawWorkers(false));
    expect(result.encryptedFrames).toBeGreaterThan(0);
    expect(result.droppedFrames).toBeGreaterThan(0);
    expect(result.decryptedFrames).toBe(0);
    expect(result.framesDecoded).toBe(0);
  });

  it('agrees keys by ECDH, shows the same SAS on both sides and decodes', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.sessions(false));
    expect(result.sasA.split('|')).toHaveLength(5);
    expect(result.sasA).toBe(result.sasB);
    expect(result.statusB).toBe('active');
    expect(result.decryptedFrames).toBeGreaterThan(0);
    expect(result.framesDecoded).toBeGreaterThan(0);
  });

  it('works the same through the createEncodedStreams fallback (browsers without RTCRtpScriptTransform)', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.sessions(false, 'encoded-streams'));
    expect(result.sasA).toBe(result.sasB);
    expect(result.encryptedFrames).toBeGreaterThan(0);
    expect(result.decryptedFrames).toBeGreaterThan(0);
    expect(result.framesDecoded).toBeGreaterThan(0);
  });

  it('exposes a key-swapping relay: SAS differ and the receiver decodes nothing', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.sessions(true));
    expect(result.sasA).not.toBe(result.sasB);
    expect(result.encryptedFrames).toBeGreaterThan(0);
    expect(result.decryptedFrames).toBe(0);
    expect(result.framesDecoded).toBe(0);
  });

  it('rotates the sender key when a participant leaves and keeps decrypting for those who stay', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.rotation());
    const [sasA, sasB, sasC] = result.sasWithThree;
    expect(sasA).toBe(sasB);
    expect(sasB).toBe(sasC);
    expect(sasA).not.toBe(result.sasBeforeJoin);
    expect(result.keyIndexAfterLeave).toBe(1);
    expect(result.keysSentToLeaverAfterLeave).toBe(0);
    expect(result.decryptedBeforeRotation).toBeGreaterThan(0);
    expect(result.decryptedAfterRotation).toBeGreaterThan(result.decryptedBeforeRotation);
  });
});

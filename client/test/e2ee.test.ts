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

  it('agrees keys by ECDH between certified holders, shows the same 7-symbol SAS on both sides and decodes', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.sessions('none'));
    expect(result.sasA.split('|')).toHaveLength(7);
    expect(result.holdersOfA).toEqual(['Bea Patient (patient)']);
    expect(result.holdersOfB).toEqual(['Dr Ada Provider (provider)']);
    expect(result.refusedByB).toEqual([]);
    expect(result.sasA).toBe(result.sasB);
    expect(result.statusB).toBe('active');
    expect(result.decryptedFrames).toBeGreaterThan(0);
    expect(result.framesDecoded).toBeGreaterThan(0);
  });

  it('works the same through the createEncodedStreams fallback (browsers without RTCRtpScriptTransform)', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.sessions('none', 'encoded-streams'));
    expect(result.sasA).toBe(result.sasB);
    expect(result.encryptedFrames).toBeGreaterThan(0);
    expect(result.decryptedFrames).toBeGreaterThan(0);
    expect(result.framesDecoded).toBeGreaterThan(0);
  });

  it('refuses a key swapped in transit by the relay: in the reveal (commitment) or in commit and reveal (certificate)', async () => {
    for (const [mode, reason] of [
      ['swap_reveal', 'commitment_mismatch'],
      ['swap_commit_and_reveal', 'key_mismatch'],
    ] as const) {
      const result = await page.evaluate((m) => window.e2eeHarness.sessions(m), mode);
      expect(result.refusedByB).toEqual([expect.stringContaining(`:${reason}`)]);
      expect(result.holdersOfB).toEqual([]);
      expect(result.sasB).toBe('');
      expect(result.encryptedFrames).toBeGreaterThan(0);
      expect(result.decryptedFrames).toBe(0);
      expect(result.framesDecoded).toBe(0);
    }
  });

  it('shows different codes when even the certificate was obtained for the attacker key (colluding API)', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.sessions('swap_with_stolen_certificate'));
    expect(result.sasA).not.toBe(result.sasB);
    expect(result.sasB.split('|')).toHaveLength(7);
    expect(result.decryptedFrames).toBe(0);
    expect(result.framesDecoded).toBe(0);
  });

  it('gives a ghost peer injected by the relay no key, whatever certificate it shows, and lists it as refused', async () => {
    for (const [certificate, reason] of [
      ['none', 'commitment_mismatch'],
      ['replayed_from_patient', 'wrong_user'],
      ['self_signed', 'bad_signature'],
      ['other_room', 'wrong_room'],
    ] as const) {
      const result = await page.evaluate((c) => window.e2eeHarness.ghost(c), certificate);
      expect(result.keysSentToGhost).toBe(0);
      expect(result.victimEncrypted).toBeGreaterThan(0);
      expect(result.ghostDropped).toBeGreaterThan(0);
      expect(result.ghostDecrypted).toBe(0);
      expect(result.refusedByA).toContain(`6f1c2a4e-0000-4000-8000-000000000666:${reason}`);
      expect(result.refusedByB).toContain(`6f1c2a4e-0000-4000-8000-000000000666:${reason}`);
      expect(result.holdersOfA).toEqual(['Bea Patient (patient)']);
      // The ghost is not part of the code either: both sides still agree.
      expect(result.sasA).toBe(result.sasB);
    }
  });

  it('takes "Verified" away on any key change and shows the new code; a swapped new key is refused', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.keyChange());
    expect(result.verifiedBefore).toBe(true);
    expect(result.verifiedAfterRejoin).toBe(false);
    expect(result.sasAfterRejoinA).not.toBe(result.sasBefore);
    expect(result.sasAfterRejoinA).toBe(result.sasAfterRejoinB);
    expect(result.verifiedAfterSwap).toBe(false);
    expect(result.refusedAfterSwap).toEqual([expect.stringContaining(':commitment_mismatch')]);
    expect(result.holdersAfterSwap).toEqual([]);
    expect(result.keysToAttacker).toBe(0);
  });

  it('drops media frames the relay replays (replay window on the GCM counter)', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.replay());
    expect(result.replayedByTap).toBeGreaterThanOrEqual(20);
    expect(result.replayedFrames).toBe(result.replayedByTap);
    expect(result.decryptedFrames).toBeGreaterThan(0);
    expect(result.framesDecoded).toBeGreaterThan(0);
  });

  it('ratchets on join: the joiner cannot decrypt earlier frames, those present follow without a new key message', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.ratchetOnJoin());
    expect(result.joinerMaterialDiffers).toBe(true);
    expect(result.joinerDecryptedBeforeSwitch).toBe(0);
    expect(result.joinerDecryptedAfterSwitch).toBeGreaterThan(0);
    expect(result.oldReceiverDecryptedAfterSwitch).toBeGreaterThan(0);
    expect(result.sessionKeyIndexAfterJoin).toBe(result.sessionKeyIndexBefore + 1);
    expect(result.joinerGotRatchetedKey).toBe(true);
    expect(result.keysToBAfterJoin).toBe(0);
    expect(result.bDecryptedAfterJoin).toBeGreaterThan(0);
  });

  it('with an invited guest as third participant: one SAS for all three, names and roles everywhere; rotates when the guest leaves', async () => {
    const result = await page.evaluate(() => window.e2eeHarness.rotation());
    const [sasA, sasB, sasC] = result.sasWithThree;
    expect(sasA).toBe(sasB);
    expect(sasB).toBe(sasC);
    expect(result.holdersWithThree).toEqual([
      ['Bea Patient (patient)', 'Cy Interpreter (guest: interpreter, invited by Dr Ada Provider)'],
      ['Cy Interpreter (guest: interpreter, invited by Dr Ada Provider)', 'Dr Ada Provider (provider)'],
      ['Bea Patient (patient)', 'Dr Ada Provider (provider)'],
    ]);
    expect(result.refusedGuestWithoutRelation).toEqual(['malformed']);
    expect(sasA).not.toBe(result.sasBeforeJoin);
    expect(result.keyIndexAfterLeave).toBe(1);
    expect(result.keysSentToLeaverAfterLeave).toBe(0);
    expect(result.decryptedBeforeRotation).toBeGreaterThan(0);
    expect(result.decryptedAfterRotation).toBeGreaterThan(result.decryptedBeforeRotation);
  });
});

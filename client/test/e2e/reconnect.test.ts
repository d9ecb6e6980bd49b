/**
 * Reconnect after a network drop, in real Chromium through the real API, SFU and client.
 * Media runs through a UDP proxy the test can cut (udpDropProxy.ts) and the patient's
 * signaling through a client server the test can freeze, so a drop looks like a dead
 * network: nothing closes, packets just stop. Prints (does not assert) two bench figures:
 * first remote frame after admit, and the median time from "network back" to the next
 * decoded remote frame over five 6-second drops.
 */
import type { Browser, Page } from 'playwright-core';
import type { TestUser } from '../../../api/test/fixtures/identity.js';
import { launchBrowser } from '../browser.js';
import { signIn } from './pageSteps.js';
import { seedConsultClinic } from './consultClinic.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';
import { PROXY_ADDRESS, UdpDropProxy } from './udpDropProxy.js';

jest.setTimeout(400_000);

const MEDIA_TIMEOUT_MS = 90_000;
const DROPS = 5;
/** Inside the 2-30 s range the product must recover from; the issue measured 6 s. */
const DROP_MS = 6000;
/** A small private port range so the proxy can mirror every port (random base: parallel runs). */
const RTC_PORTS = 24;

/**
 * Resolves with Date.now() at the next remote video frame the page presents (polled every
 * 10 ms, so a remote tile replaced by a full rejoin is followed too).
 */
function nextRemoteFrameAt(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let element: HTMLVideoElement | null = null;
        let base = 0;
        const poll = (): void => {
          const video = document.querySelector<HTMLVideoElement>('[data-testid=remote-video]');
          if (video !== element) {
            element = video;
            base = video === null || video.videoWidth === 0 ? 0 : video.getVideoPlaybackQuality().totalVideoFrames;
          } else if (video !== null && video.getVideoPlaybackQuality().totalVideoFrames > base) {
            resolve(Date.now());
            return;
          }
          setTimeout(poll, 10);
        };
        poll();
      }),
  );
}

/** The SFU ports of the page's live transports (remote candidate of each selected ICE pair). */
function sfuPortsOf(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const connections = (window as unknown as { testConnections: RTCPeerConnection[] }).testConnections;
    const ports: number[] = [];
    for (const connection of connections) {
      if (connection.connectionState === 'closed') continue;
      const stats = await connection.getStats();
      const remotes = new Map<string, number>();
      const pairs = new Map<string, string>();
      const selected: string[] = [];
      stats.forEach(
        (report: { type?: string; id?: string; port?: number; state?: string; remoteCandidateId?: string; selectedCandidatePairId?: string }) => {
          if (report.type === 'remote-candidate' && report.id !== undefined && report.port !== undefined) remotes.set(report.id, report.port);
          if (report.type === 'candidate-pair' && report.id !== undefined && report.remoteCandidateId !== undefined) pairs.set(report.id, report.remoteCandidateId);
          if (report.type === 'transport' && report.selectedCandidatePairId !== undefined) selected.push(report.selectedCandidatePairId);
        },
      );
      for (const pairId of selected) {
        const port = remotes.get(pairs.get(pairId) ?? '');
        if (port !== undefined) ports.push(port);
      }
    }
    return ports;
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

describe('reconnect after a network drop (Chromium, real stack)', () => {
  let stack: Stack;
  let proxy: UdpDropProxy;
  let browser: Browser;
  let practiceSlug: string;
  let patient: TestUser;
  let injector: TestUser;
  let appointmentId: string;

  beforeAll(async () => {
    const minPort = 42000 + Math.floor(Math.random() * 300) * RTC_PORTS;
    const maxPort = minPort + RTC_PORTS - 1;
    proxy = await UdpDropProxy.start(minPort, maxPort);
    stack = await startStack({
      sfuEnv: { SFU_ANNOUNCED_ADDRESS: PROXY_ADDRESS, SFU_RTC_MIN_PORT: String(minPort), SFU_RTC_MAX_PORT: String(maxPort) },
    });
    const { test } = stack;
    const clinic = await seedConsultClinic(test, 30);
    practiceSlug = clinic.practice.slug;
    ({ injector, patient, appointmentId } = clinic);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser.close();
    await stack.close();
    proxy.close();
  });

  it('recovers from five network drops and decodes remote video again (bench figures printed)', async () => {
    const injectorContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const patientContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    injectorContext.setDefaultTimeout(60_000);
    patientContext.setDefaultTimeout(60_000);
    const injectorPage = await injectorContext.newPage();
    await injectorPage.goto(stack.clientUrl);
    await signIn(injectorPage, practiceSlug, injector);
    await injectorPage.locator(`a[href="/visit/${appointmentId}"]`).click();
    await injectorPage.getByRole('button', { name: 'Continue' }).click({ timeout: MEDIA_TIMEOUT_MS });
    await injectorPage.getByText('Nobody is waiting.').waitFor({ timeout: MEDIA_TIMEOUT_MS });

    // Keeps the patient's RTCPeerConnections reachable, to find which SFU ports are theirs.
    await patientContext.addInitScript(() => {
      const Native = window.RTCPeerConnection;
      const connections: RTCPeerConnection[] = [];
      (window as unknown as { testConnections: RTCPeerConnection[] }).testConnections = connections;
      window.RTCPeerConnection = class extends Native {
        constructor(configuration?: RTCConfiguration) {
          super(configuration);
          connections.push(this);
        }
      };
    });
    const patientPage = await patientContext.newPage();
    await patientPage.goto(stack.patientClientUrl);
    await signIn(patientPage, practiceSlug, patient);
    await patientPage.locator(`a[href="/visit/${appointmentId}"]`).click();
    await patientPage.getByLabel('Type your full name to sign').fill('Pat Patient');
    await patientPage.getByRole('button', { name: 'Sign and continue' }).click();
    await patientPage.getByLabel('Your current state').selectOption('CT');
    await patientPage.getByRole('button', { name: 'Confirm location' }).click();
    await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await patientPage.getByRole('button', { name: 'Continue' }).click();
    await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });

    const firstFrame = nextRemoteFrameAt(patientPage);
    const admittedAt = Date.now();
    await injectorPage.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
    const firstFrameMs = (await firstFrame) - admittedAt;
    await patientPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await injectorPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });

    const recoveries: number[] = [];
    const stalledSeen: boolean[] = [];
    const patientStalled: boolean[] = [];
    for (let drop = 0; drop < DROPS; drop += 1) {
      // Steady video first, so each drop starts from a running call.
      await nextRemoteFrameAt(patientPage);
      await sleep(2000);
      // Only the patient's network goes away: their media path (send and receive transport)
      // and their signaling.
      let ports = await sfuPortsOf(patientPage);
      for (let waited = 0; ports.length < 2 && waited < 30_000; waited += 250) {
        await sleep(250);
        ports = await sfuPortsOf(patientPage);
      }
      expect(ports.length).toBeGreaterThanOrEqual(2);
      proxy.setDropping(true, ports);
      const resume = stack.freezePatientClientServer();
      await sleep(DROP_MS - 800);
      // The provider's screen says the patient is reconnecting while their video is frozen.
      stalledSeen.push((await injectorPage.getByText(/reconnecting/i).count()) > 0);
      // And the patient's own view of the provider froze too (their receive path is down).
      patientStalled.push((await patientPage.getByText(/reconnecting/i).count()) > 0);
      await sleep(300);
      const nextFrame = nextRemoteFrameAt(patientPage);
      await sleep(500);
      const backAt = Date.now();
      proxy.setDropping(false);
      resume();
      recoveries.push((await nextFrame) - backAt);
    }
    const injectorFrame = await nextRemoteFrameAt(injectorPage);
    expect(injectorFrame).toBeGreaterThan(0);
    expect(recoveries).toHaveLength(DROPS);
    // The drops were real: the patient's receive path stalled every time.
    expect(patientStalled.filter(Boolean)).toHaveLength(DROPS);

    process.stdout.write(
      [
        '',
        'bench: reconnect (Chromium, loopback through a UDP drop proxy, real API + SFU + client)',
        `  first remote frame after admit: ${String(firstFrameMs)} ms (goal 500 ms)`,
        `  video decoded again after a ${String(DROP_MS / 1000)} s drop: median ${String(median(recoveries))} ms over ${String(DROPS)} drops (goal < 1000 ms); each: ${recoveries.join(', ')} ms`,
        `  provider saw "reconnecting" during the drop: ${String(stalledSeen.filter(Boolean).length)}/${String(DROPS)}; the patient's own screen: ${String(patientStalled.filter(Boolean).length)}/${String(DROPS)}`,
        '',
      ].join('\n'),
    );
    await injectorContext.close();
    await patientContext.close();
  });
});

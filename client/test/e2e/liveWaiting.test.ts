/**
 * The schedule's "patient waiting" alert is pushed (issue 12), in real Chromium through the
 * client server's proxy (WebSocket upgrade on /v1/live/socket.io): the front desk's schedule is
 * open before the patient starts waiting, its live connection outlives an access token (the
 * server ends it at expiry, the client refreshes and reconnects), and the alert appears within
 * 3 s of the waiting board changing although the fallback poll runs only every 60 s.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { observeWaiting } from '../../../api/src/modules/rooms/waitingRoomService.js';
import { createUser } from '../../../api/test/fixtures/identity.js';
import type { TestUser } from '../../../api/test/fixtures/identity.js';
import { launchBrowser } from '../browser.js';
import { seedConsultClinic } from './consultClinic.js';
import type { ConsultClinic } from './consultClinic.js';
import { recordConsole, signIn, watchLiveChannel } from './pageSteps.js';
import { assertAccessible } from './accessibility.js';
import { ARTIFACTS } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(180_000);

/** Short enough that the test sees the live connection outlive a token (plus the verifier's 5 s clock tolerance). */
const ACCESS_TOKEN_TTL_SECONDS = 6;

describe('schedule "patient waiting" alert pushed on the live channel', () => {
  let stack: Stack;
  let browser: Browser;
  let clinic: ConsultClinic;
  let frontDesk: TestUser;
  const lines: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startStack({ apiEnv: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) } });
    clinic = await seedConsultClinic(stack.test, 30);
    frontDesk = await createUser(stack.test, clinic.practice.id, 'front_desk', { givenName: 'Fran', familyName: 'Desk' });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  const patientEvent = (type: 'room.join' | 'room.leave'): Parameters<typeof observeWaiting>[2] => ({
    eventId: randomUUID(),
    type,
    practiceId: clinic.practice.id,
    appointmentId: clinic.appointmentId,
    userId: clinic.patient.id,
    role: 'patient',
    peerId: randomUUID(),
    occurredAt: new Date().toISOString(),
  });

  for (const viewport of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`shows the alert within 3 s of the patient starting to wait and drops it when they leave (${viewport.name}), after reconnecting past token expiry`, async () => {
      const context = await browser.newContext({ viewport: { width: viewport.width, height: viewport.height } });
      try {
        const page = await context.newPage();
        recordConsole(page, `front desk ${viewport.name}`, lines);
        const live = watchLiveChannel(page);
        await page.goto(stack.clientUrl);
        await signIn(page, clinic.practice.slug, frontDesk);
        await live.connected;
        // The server ends the connection once the access token is no longer accepted; the client
        // refreshes its session and connects again by itself.
        const deadline = Date.now() + (ACCESS_TOKEN_TTL_SECONDS + 5 + 15) * 1000;
        while (live.connects() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
        expect(live.connects()).toBeGreaterThanOrEqual(2);
        await page.getByRole('heading', { name: 'Schedule' }).waitFor();
        expect(await page.getByTestId('waiting-alerts').count()).toBe(0);

        const services = stack.test.api.services;
        const nudgesBefore = live.nudges();
        const startedAt = Date.now();
        await observeWaiting(services.waitingRoom, services.live, patientEvent('room.join'));
        await page.getByTestId('waiting-alert').filter({ hasText: 'Pat Patient' }).filter({ hasText: 'Virtual consult' }).waitFor({ timeout: 3000 });
        process.stdout.write(`live alert (${viewport.name}): shown ${String(Date.now() - startedAt)} ms after the board changed\n`);
        expect(live.nudges()).toBeGreaterThan(nudgesBefore);
        await assertAccessible(page, `waiting alert (${viewport.name})`);
        await page.screenshot({ path: path.join(ARTIFACTS, `live-waiting-alert-${viewport.name}.png`), fullPage: true });

        await observeWaiting(services.waitingRoom, services.live, patientEvent('room.leave'));
        await page.getByTestId('waiting-alerts').waitFor({ state: 'detached', timeout: 3000 });
      } finally {
        await context.close();
      }
    });
  }
});

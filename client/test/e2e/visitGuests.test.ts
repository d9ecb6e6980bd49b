/**
 * A provider-invited guest in real Chromium (fake camera and microphone), through the real
 * API, SFU, SMTP capture and built client: the injector invites an interpreter from the
 * room, the link is read from the email, a third browser opens it, checks its devices, waits,
 * is admitted, and all three pages list the same three key holders by name and role while
 * the guest decodes end-to-end encrypted video. Then the injector withdraws the invitation:
 * the guest is removed, the others rotate their media key and the link stops working.
 * Screenshots (desktop 1280x800 and phone 390x844) land in client/test-artifacts/guests-*.png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../browser.js';
import { startSmtpCapture } from '../../../api/test/support/smtpCapture.js';
import type { SmtpCapture } from '../../../api/test/support/smtpCapture.js';
import { MEDIA_TIMEOUT_MS, recordConsole, signIn, waitForDecodedRemoteVideo } from './pageSteps.js';
import { seedConsultClinic } from './consultClinic.js';
import type { ConsultClinic } from './consultClinic.js';
import { ARTIFACTS, DESKTOP, PHONE, photograph } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(480_000);

const GUEST_NAME = 'Maria Lopez';
const GUEST_EMAIL = 'maria.lopez@interpreters.example';

async function sas(page: Page): Promise<string> {
  const element = page.getByTestId('sas');
  await element.waitFor({ timeout: MEDIA_TIMEOUT_MS });
  return (await element.getAttribute('data-sas')) ?? '';
}

async function keyHolderTexts(page: Page): Promise<string[]> {
  return (await page.getByTestId('key-holder').allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
}

async function keyIndex(page: Page): Promise<number> {
  const text = (await page.getByTestId('e2ee-status').textContent()) ?? '';
  return Number(/key (\d+)/.exec(text)?.[1] ?? '0');
}

describe('visit guests end to end in Chromium', () => {
  let smtp: SmtpCapture;
  let stack: Stack;
  let browser: Browser;
  let clinic: ConsultClinic;
  const contexts: BrowserContext[] = [];
  const pages: Record<string, Page | undefined> = {};
  const lines: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    smtp = await startSmtpCapture();
    stack = await startStack({ apiEnv: { SMTP_URL: smtp.url } });
    clinic = await seedConsultClinic(stack.test, 30);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
    await stack.close();
    await smtp.close();
  });

  async function newPage(name: string, options: Parameters<Browser['newContext']>[0]): Promise<Page> {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(60_000);
    contexts.push(context);
    const page = await context.newPage();
    recordConsole(page, name, lines);
    pages[name] = page;
    return page;
  }

  it('the injector invites an interpreter, who joins from the email link, is admitted, holds the keys with everyone, and is removed on withdraw', async () => {
    try {
      const { appointmentId, practice, injector, patient } = clinic;
      const injectorPage = await newPage('injector', { viewport: DESKTOP });
      await injectorPage.goto(`${stack.clientUrl}/visit/${appointmentId}`);
      await signIn(injectorPage, practice.slug, injector);
      await injectorPage.getByRole('button', { name: 'Continue' }).click({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.getByText('Nobody is waiting.').waitFor({ timeout: MEDIA_TIMEOUT_MS });

      const patientPage = await newPage('patient', { viewport: PHONE, isMobile: true, hasTouch: true });
      await patientPage.goto(`${stack.patientClientUrl}/visit/${appointmentId}`);
      await signIn(patientPage, practice.slug, patient);
      await patientPage.getByLabel('Type your full name to sign').fill('Pat Patient');
      await patientPage.getByRole('button', { name: 'Sign and continue' }).click();
      await patientPage.getByLabel('Your current state').selectOption('CT');
      await patientPage.getByRole('button', { name: 'Confirm location' }).click();
      await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await patientPage.getByRole('button', { name: 'Continue' }).click();
      await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
      await Promise.all([waitForDecodedRemoteVideo(patientPage), waitForDecodedRemoteVideo(injectorPage)]);

      // Invite from the room.
      await injectorPage.getByRole('button', { name: 'Invite someone' }).click();
      await injectorPage.getByLabel('Their name').fill(GUEST_NAME);
      await injectorPage.getByLabel('Their email').fill(GUEST_EMAIL);
      await injectorPage.getByLabel('Why they join').selectOption('interpreter');
      await injectorPage.getByTestId('invite-form').scrollIntoViewIfNeeded();
      await photograph(injectorPage, 'guests-01-invite-control');
      await injectorPage.getByRole('button', { name: 'Send invitation' }).click();
      await injectorPage.locator('[data-testid=invitation][data-active=true]').filter({ hasText: GUEST_NAME }).waitFor();

      const mail = await smtp.waitFor((candidate) => JSON.stringify(candidate.to).includes(GUEST_EMAIL));
      const link = /https?:\/\/\S+/.exec(mail.text ?? '')?.[0] ?? '';
      expect(mail.text).not.toContain('Pat');
      const secret = new URL(link).hash.slice(1);
      expect(secret.length).toBeGreaterThan(40);

      // The guest: no account, only the link.
      const keyBeforeGuest = await keyIndex(patientPage);
      const guestPage = await newPage('guest', { viewport: DESKTOP });
      await guestPage.goto(`${stack.clientUrl}/guest#${secret}`);
      await guestPage.getByTestId('invitation-summary').filter({ hasText: `Hello ${GUEST_NAME}` }).waitFor();
      expect(await guestPage.getByTestId('invitation-summary').textContent()).toContain('Ivy Injector invited you to join as the interpreter');
      await guestPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await photograph(guestPage, 'guests-02-guest-join-page');
      await guestPage.getByRole('button', { name: 'Continue' }).click();
      await guestPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      // Waiting: nobody shares a key with the guest before admission.
      expect(await guestPage.getByTestId('key-holder').count()).toBe(0);
      await photograph(guestPage, 'guests-03-guest-waiting');

      const waitingGuest = injectorPage.locator('[data-testid=waiting-list] li[data-role=guest]');
      await waitingGuest.filter({ hasText: `${GUEST_NAME} (interpreter)` }).waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await waitingGuest.getByRole('button', { name: 'Admit' }).click();

      // Everyone lists the same three key holders, by certified name and role.
      const everyone = { injector: injectorPage, patient: patientPage, guest: guestPage };
      for (const page of Object.values(everyone)) {
        await page.locator('[data-testid=key-holders][data-count="3"]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      }
      for (const [name, page] of Object.entries(everyone)) {
        const holders = await keyHolderTexts(page);
        expect({ name, count: holders.length }).toEqual({ name, count: 3 });
        expect(holders.some((text) => text.startsWith(`${GUEST_NAME} — interpreter, invited by Ivy Injector`))).toBe(true);
        expect(holders.some((text) => text.startsWith('Ivy Injector — provider'))).toBe(true);
        expect(holders.some((text) => text.startsWith('Pat Patient — patient'))).toBe(true);
        expect(await page.getByTestId('key-refused').count()).toBe(0);
      }
      // The guest decodes end-to-end encrypted video.
      expect(await waitForDecodedRemoteVideo(guestPage)).toBeGreaterThan(10);
      await guestPage.waitForFunction(() => Number(document.querySelector('[data-testid=e2ee-status]')?.getAttribute('data-decrypted') ?? '0') > 0);
      // The joiner got a ratcheted key: the patient's index moved on when the guest joined.
      expect(await keyIndex(patientPage)).toBeGreaterThan(keyBeforeGuest);
      // One short authentication string over all three certified keys, the same on every page.
      let codes = ['', '', ''];
      for (let attempt = 0; attempt < 60; attempt += 1) {
        codes = await Promise.all(Object.values(everyone).map((page) => sas(page)));
        if (codes[0] !== '' && codes.every((code) => code === codes[0])) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(codes[0]?.split('|')).toHaveLength(7);
      expect(new Set(codes).size).toBe(1);
      await guestPage.getByRole('button', { name: 'Codes match' }).click();
      await guestPage.getByTestId('sas-verified').waitFor();
      await photograph(guestPage, 'guests-04-three-person-room-guest');
      await photograph(injectorPage, 'guests-05-three-person-room-injector');
      await photograph(patientPage, 'guests-06-three-person-room-patient');

      // Withdraw: the guest is removed, the others drop the guest's keys and rotate theirs.
      const keyBeforeRevoke = await keyIndex(patientPage);
      await injectorPage.locator('[data-testid=invitation][data-active=true]').filter({ hasText: GUEST_NAME }).getByRole('button', { name: 'Withdraw' }).click();
      await guestPage.getByTestId('guest-ended').filter({ hasText: 'removed you from this visit' }).waitFor({ timeout: MEDIA_TIMEOUT_MS });
      for (const page of [injectorPage, patientPage]) {
        await page.locator('[data-testid=key-holders][data-count="2"]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
        expect((await keyHolderTexts(page)).some((text) => text.includes(GUEST_NAME))).toBe(false);
      }
      await patientPage.waitForFunction(
        (before) => Number(/key (\d+)/.exec(document.querySelector('[data-testid=e2ee-status]')?.textContent ?? '')?.[1] ?? '0') > before,
        keyBeforeRevoke,
        { timeout: MEDIA_TIMEOUT_MS },
      );
      await injectorPage.getByTestId('invitation-notice').filter({ hasText: 'removed from the visit' }).waitFor();
      await photograph(guestPage, 'guests-07-guest-removed');
      await photograph(injectorPage, 'guests-08-injector-after-withdraw');

      // The link no longer opens the visit, on reload or by hand.
      await guestPage.reload();
      await guestPage.getByTestId('invitation-problem').filter({ hasText: 'withdrawn' }).waitFor();
      await photograph(guestPage, 'guests-09-guest-link-withdrawn');
      const redeem = await fetch(`${stack.apiUrl}/v1/invitations/redeem`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: secret, e2eePublicKey: `BA${'A'.repeat(85)}` }),
      });
      expect(redeem.status).toBe(410);
      // The patient and the injector are still in the consult and still decode each other.
      expect(await waitForDecodedRemoteVideo(patientPage)).toBeGreaterThan(10);
    } catch (error) {
      for (const [name, page] of Object.entries(pages)) {
        if (page !== undefined) await page.screenshot({ path: path.join(ARTIFACTS, `guests-failure-${name}.png`), fullPage: true }).catch(() => undefined);
      }
      await writeFile(path.join(ARTIFACTS, 'guests-failure-console.log'), lines.join('\n'));
      throw error;
    }
  });
});

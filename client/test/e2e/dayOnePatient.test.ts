/**
 * A new patient's first day in real Chromium, against the real API (real SMTP capture),
 * SFU and built client: from the practice's public page they create an account, confirm
 * their email through the link that arrives by SMTP, book a visit in their own time zone
 * (far from the provider's) at a time that is "today" on their clock but already the next
 * day in UTC, receive the confirmation with a parseable .ics, and open the join link.
 * Every screen is saved at desktop 1280x800 and phone 390x844 in client/test-artifacts/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, createUser, loginAs, seedPractice } from '../../../api/test/fixtures/identity.js';
import type { SeededPractice } from '../../../api/test/fixtures/identity.js';
import { startSmtpCapture } from '../../../api/test/support/smtpCapture.js';
import type { SmtpCapture } from '../../../api/test/support/smtpCapture.js';
import { launchBrowser } from '../browser.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(300_000);

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PROVIDER_ZONE = 'America/New_York';
const PASSWORD = 'correct horse battery staple';

/** "YYYY-MM-DD" of an instant on a zone's wall clock. */
function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

function localHour(instant: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(instant));
}

/**
 * The patient's zone: Los Angeles, whose evenings (from 16:00) are already tomorrow in UTC;
 * in the one hour when Los Angeles has no such time left today, Honolulu (from 14:00).
 */
function patientZone(now: Date): string {
  return localHour(now, 'America/Los_Angeles') < 22 ? 'America/Los_Angeles' : 'Pacific/Honolulu';
}

/** Full-page screenshots of the current screen at desktop and phone sizes. */
async function shotBoth(page: Page, name: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
}

/** A link from an email, pointed at this run's client server (PUBLIC_APP_URL is not known before it starts). */
function linkIn(mail: ParsedMail, pattern: RegExp, clientUrl: string): string {
  const match = pattern.exec(mail.text ?? '');
  if (match === null) throw new Error(`no link matching ${pattern.source} in "${mail.subject ?? ''}"`);
  const url = new URL(match[0]);
  return `${clientUrl}${url.pathname}${url.search}${url.hash}`;
}

function calendarOf(mail: ParsedMail): { method: unknown; event: ICAL.Event; raw: string } {
  const part = mail.attachments.find((attachment) => attachment.contentType.startsWith('text/calendar'));
  if (part === undefined) throw new Error('no calendar part');
  const raw = part.content.toString('utf8');
  const calendar = new ICAL.Component(ICAL.parse(raw) as unknown[]);
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (vevent === null) throw new Error('no VEVENT');
  return { method: calendar.getFirstPropertyValue('method'), event: new ICAL.Event(vevent), raw };
}

describe('day one for a patient in Chromium', () => {
  let smtp: SmtpCapture;
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let practice: SeededPractice;
  let zone: string;
  const lines: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    smtp = await startSmtpCapture();
    stack = await startStack({ apiEnv: { SMTP_URL: smtp.url, JOBS_POLLING_SECONDS: '0.5' } });
    const { test } = stack;
    const app = test.api.app;
    practice = await seedPractice(test, { name: 'Brookside Aesthetics', timeZone: PROVIDER_ZONE });
    const admin = await loginAs(test, practice.slug, 'admin');
    const auth = bearer(admin);
    const provider = await createUser(test, practice.id, 'injector', { givenName: 'Dana', familyName: 'Reyes' });
    await request(app)
      .put(`/v1/providers/${provider.id}/profile`)
      .set('authorization', auth)
      .send({ credential: 'NP', specialties: ['Neuromodulators', 'Dermal fillers'], timeZone: PROVIDER_ZONE })
      .expect(200);
    for (const state of ['CA', 'HI']) {
      await request(app)
        .post(`/v1/providers/${provider.id}/licenses`)
        .set('authorization', auth)
        .send({ state, licenseNumber: `${state}-NP-1001`, validFrom: '2020-01-01', expiresOn: '2099-12-31' })
        .expect(201);
    }
    // Long days on the provider's New York clock, so the patient's evening (their night) is open.
    await request(app)
      .put(`/v1/providers/${provider.id}/availability`)
      .set('authorization', auth)
      .send({ rules: [1, 2, 3, 4, 5, 6, 7].map((isoWeekday) => ({ isoWeekday, startTime: '00:00', endTime: '23:59' })) })
      .expect(200);
    for (const type of [
      { name: 'Good Faith Exam', kind: 'gfe', durationMinutes: 30 },
      { name: 'Virtual consult', kind: 'virtual_consult', durationMinutes: 20 },
    ]) {
      await request(app).post('/v1/appointment-types').set('authorization', auth).send(type).expect(201);
    }
    const draft = await request(app)
      .post('/v1/consent-documents')
      .set('authorization', auth)
      .send({ kind: 'telehealth', title: 'Telehealth consent', body: 'I agree to receive care by video.' })
      .expect(201);
    await request(app).post(`/v1/consent-documents/${(draft.body as { id: string }).id}/publish`).set('authorization', auth).expect(200);

    zone = patientZone(new Date());
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: PHONE, timezoneId: zone, locale: 'en-US' });
    context.setDefaultTimeout(60_000);
  }, 180_000);

  afterAll(async () => {
    await browser.close();
    await stack.close();
    await smtp.close();
  });

  it('registers from the public page, confirms the email, books "today" in their zone (tomorrow in UTC), gets the invite and opens the join link', async () => {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') lines.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
    try {
      const email = `rosa.${Date.now().toString(36)}@example.test`;
      await page.goto(`${stack.patientClientUrl}/practices/${practice.slug}`);
      await page.getByRole('heading', { name: 'Brookside Aesthetics' }).waitFor();
      await page.getByText('Dana Reyes, NP').waitFor();
      await shotBoth(page, 'patient-01-practice-page');

      await page.getByRole('button', { name: 'Book a visit' }).click();
      await page.getByRole('heading', { name: 'Create your account' }).waitFor();
      await page.getByLabel('First name').fill('Rosa');
      await page.getByLabel('Last name').fill('Lindqvist');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await shotBoth(page, 'patient-02-create-account');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByTestId('check-email').waitFor();
      await shotBoth(page, 'patient-03-check-email');

      const verification = await smtp.waitFor((mail) => (mail.subject ?? '').startsWith('Confirm your email'), 60_000);
      await page.goto(linkIn(verification, /https?:\/\/\S+\/verify-email#\S+/, stack.patientClientUrl));
      await page.getByTestId('confirm-email').waitFor();
      // Opening the link takes the password of that registration (not the practice, not the email).
      expect(await page.getByLabel('Practice').count()).toBe(0);
      await page.getByLabel('Password').fill('not my password at all');
      await page.getByRole('button', { name: 'Confirm and continue' }).click();
      await page.getByText('That is not the password you chose when you registered.').waitFor();
      await shotBoth(page, 'patient-04a-confirm-email-wrong-password');
      await page.getByLabel('Password').fill(PASSWORD);
      await shotBoth(page, 'patient-04-confirm-email');
      await page.getByRole('button', { name: 'Confirm and continue' }).click();

      await page.getByRole('heading', { name: 'Book a visit' }).waitFor();
      await page.getByLabel(/Good Faith Exam/).check();
      await page.getByLabel('Where will you be during the visit?').selectOption(zone === 'America/Los_Angeles' ? 'CA' : 'HI');
      const today = localDate(new Date(), zone);
      expect(await page.getByTestId('day-heading').textContent()).toMatch(/^Today, /);
      // A slot today on the patient's clock whose UTC date is already tomorrow.
      await page.locator('button.slot').first().waitFor();
      const starts = await page.locator('button.slot').evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-starts-at') ?? ''));
      expect(starts.length).toBeGreaterThan(0);
      for (const start of starts) expect(localDate(new Date(start), zone)).toBe(today);
      const chosen = starts.find((start) => start.slice(0, 10) > today);
      if (chosen === undefined) throw new Error(`no slot today (${today}) that is tomorrow in UTC: ${starts.join(', ')}`);
      await shotBoth(page, 'patient-05-pick-time');
      await page.locator(`button.slot[data-starts-at="${chosen}"]`).click();

      const expectedWhen = new Intl.DateTimeFormat('en-US', {
        weekday: 'short',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZoneName: 'short',
        timeZone: zone,
      }).format(new Date(chosen));
      expect(await page.getByTestId('confirm-when').textContent()).toBe(expectedWhen);
      await page.getByText('Good Faith Exam, 30 minutes').waitFor();
      await shotBoth(page, 'patient-06-confirm');
      await page.getByRole('button', { name: 'Confirm booking' }).click();
      await page.getByTestId('booking-confirmation').waitFor();
      expect(await page.getByTestId('booking-confirmation').textContent()).toContain(expectedWhen);
      await shotBoth(page, 'patient-07-booked');

      // Nothing on these screens is a code, an id or a zone name.
      const visible = await page.locator('body').innerText();
      expect(visible).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(visible).not.toContain(zone);
      expect(visible).not.toMatch(/\bGFE\b/);

      const confirmation = await smtp.waitFor((mail) => (mail.subject ?? '').includes('is confirmed'), 60_000);
      expect(confirmation.subject).toBe('Your appointment with Brookside Aesthetics is confirmed');
      expect(confirmation.text).toContain('Hello Rosa,');
      expect(confirmation.text).toContain(expectedWhen);
      for (const word of [/good faith/i, /\bGFE\b/, /lindqvist/i, /dana/i, /reyes/i, /neuromodulator/i, /filler/i]) {
        expect(`${confirmation.subject ?? ''}\n${confirmation.text ?? ''}`).not.toMatch(word);
      }
      const invite = calendarOf(confirmation);
      expect(invite.method).toBe('REQUEST');
      expect(invite.event.startDate.toJSDate().toISOString()).toBe(new Date(chosen).toISOString());
      expect(invite.raw).toMatch(/\r\nDTSTART:\d{8}T\d{6}Z\r\n/);

      const joinLink = linkIn(confirmation, /https?:\/\/\S+\/visit\/[0-9a-f-]{36}\?practice=[a-z0-9-]+/, stack.patientClientUrl);
      await page.goto(joinLink);
      await page.getByLabel('Type your full name to sign').waitFor();
      await shotBoth(page, 'patient-08-join-link');

      await page.goto(`${stack.patientClientUrl}/`);
      await page.getByTestId('upcoming-visit').waitFor();
      expect(await page.getByTestId('upcoming-visit').innerText()).toContain('Good Faith Exam with Dana Reyes, NP');
      await shotBoth(page, 'patient-09-my-visits');
      await page.getByRole('link', { name: 'Change time' }).click();
      await page.getByRole('heading', { name: 'Change the time of your visit' }).waitFor();
      await page.locator('button.slot').first().waitFor();
      await shotBoth(page, 'patient-10-change-time');
      await page.goto(`${stack.patientClientUrl}/`);
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.getByRole('heading', { name: 'Cancel this visit?' }).waitFor();
      await shotBoth(page, 'patient-11-cancel');
      await page.getByRole('button', { name: 'Yes, cancel my visit' }).click();
      await page.getByTestId('cancelled').waitFor();
      await shotBoth(page, 'patient-12-cancelled');
      const cancelled = await smtp.waitFor((mail) => (mail.subject ?? '').includes('is cancelled'), 60_000);
      const cancel = calendarOf(cancelled);
      expect(cancel.method).toBe('CANCEL');
      expect(cancel.event.uid).toBe(invite.event.uid);

      // Signed out, the emailed join link still needs no practice typed.
      const fresh = await browser.newContext({ viewport: PHONE, timezoneId: zone, locale: 'en-US' });
      const signedOut = await fresh.newPage();
      await signedOut.goto(joinLink);
      await signedOut.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await signedOut.getByLabel('Practice').count()).toBe(0);
      await shotBoth(signedOut, 'patient-13-sign-in-from-link');
      await fresh.close();
      expect(lines.filter((line) => !line.includes('status of 4'))).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'patient-failure.png'), fullPage: true }).catch(() => undefined);
      await writeFile(path.join(ARTIFACTS, 'patient-failure-console.log'), lines.join('\n'));
      throw error;
    }
  });
});

/**
 * Day one for a clinic's staff in real Chromium (issue 8), on a fresh database: the first-run
 * setup link -> practice and admin, with the TOTP code computed from the secret in the QR
 * code's otpauth URI -> the admin invites an injector (the link read from a real SMTP
 * server) -> the injector chooses a password and sets up TOTP, their profile, weekly hours
 * and time off -> the admin adds the injector's license, visit types and a consent document
 * -> forgot password by email. Every screen is saved at desktop and phone size into
 * client/test-artifacts/ and checked for codes, ids and zone ids a person should not see.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { createDataSource } from '../../../api/src/db/dataSource.js';
import { appLink } from '../../../api/src/modules/identity/accountEmails.js';
import { issueSetupTokenIfUnconfigured } from '../../../api/src/modules/identity/setupService.js';
import { totpCodeAt } from '../../../api/src/modules/identity/totp.js';
import { startSmtpCapture } from '../../../api/test/support/smtpCapture.js';
import type { SmtpCapture } from '../../../api/test/support/smtpCapture.js';
import { launchBrowser } from '../browser.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(300_000);

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const ADMIN = { givenName: 'Avery', familyName: 'Quinn', email: 'avery@harbor.example', password: 'harbor admin passphrase' };
const INJECTOR = { givenName: 'Robin', familyName: 'Okafor', email: 'robin@harbor.example', password: 'robin injector passphrase' };

/** What must never reach a person's screen: ids, zone ids, API codes, the bare "GFE". */
const NOT_FOR_PEOPLE = [
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
  /\b(America|Pacific|Europe)\/[A-Za-z_]+/,
  /\bgfe\b/i,
  /\b(token_(invalid|expired|used)|validation_failed|mfa_required|invalid_totp)\b/,
  /\b(virtual_consult|follow_up|medical_director|front_desk)\b/,
];

async function assertPlain(page: Page, screen: string): Promise<void> {
  const text = await page.locator('body').innerText();
  for (const pattern of NOT_FOR_PEOPLE) {
    if (pattern.test(text)) throw new Error(`${screen}: screen shows ${String(pattern.exec(text)?.[0])}`);
  }
}

/** Desktop and phone screenshots of the current screen, after the plain-words check. */
async function shot(page: Page, name: string): Promise<void> {
  await assertPlain(page, name);
  await page.screenshot({ path: path.join(ARTIFACTS, `day-one-${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  // Nothing may push the page sideways on a phone.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > PHONE.width) throw new Error(`${name}: page is ${String(width)} px wide on a ${String(PHONE.width)} px phone`);
  await page.screenshot({ path: path.join(ARTIFACTS, `day-one-${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
}

const sentTo = (address: string) => (mail: ParsedMail): boolean =>
  (Array.isArray(mail.to) ? mail.to : [mail.to]).some((to) => to?.text.includes(address) === true);
const tokenIn = (mail: ParsedMail): string => {
  const link = /https?:\/\/\S+/.exec(mail.text ?? '')?.[0] ?? '';
  return new URL(link).searchParams.get('token') ?? '';
};

/** Reads the otpauth URI the enrolment screen exposes, and computes the current code from its secret. */
async function codeFromQr(page: Page, lastCode: string | null): Promise<string> {
  const uri = (await page.getByTestId('totp-enrolment').getAttribute('data-otpauth-uri')) ?? '';
  const secret = new URL(uri).searchParams.get('secret') ?? '';
  expect(secret).toMatch(/^[A-Z2-7]+=*$/);
  // The key printed beside the QR code is the same secret, grouped for typing.
  expect((await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '')).toBe(secret);
  for (;;) {
    const code = totpCodeAt(secret);
    if (code !== lastCode) return code;
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 100));
  }
}

/** Enrols the authenticator shown on screen and finishes at the recovery codes. */
async function enrol(page: Page, name: string): Promise<string[]> {
  await page.getByTestId('totp-enrolment').waitFor();
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  await shot(page, `${name}-totp`);
  await page.getByLabel('6-digit code').fill(await codeFromQr(page, null));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByTestId('recovery-codes').waitFor();
  const codes = await page.getByTestId('recovery-codes').locator('code').allInnerTexts();
  await shot(page, `${name}-recovery-codes`);
  await page.getByLabel('I have saved my recovery codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return codes;
}

describe('day one for staff in the browser', () => {
  let smtp: SmtpCapture;
  let stack: Stack;
  let browser: Browser;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    smtp = await startSmtpCapture();
    stack = await startStack({ apiEnv: { SMTP_URL: smtp.url, PUBLIC_APP_URL: 'https://harbor.example' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await stack.close();
    await smtp.close();
  });

  it('sets up the practice, invites an injector and gets the practice ready to book', async () => {
    // What `npm start` does on an empty database (api/src/index.ts): issue and print the link.
    const owner = createDataSource({ url: stack.test.database.url, purpose: 'owner', poolSize: 1 });
    await owner.initialize();
    const setupToken = await issueSetupTokenIfUnconfigured(owner, 3600);
    await owner.destroy();
    if (setupToken === null) throw new Error('a fresh database must get a setup link');

    const adminContext = await browser.newContext({ viewport: DESKTOP });
    const admin = await adminContext.newPage();
    admin.on('pageerror', (error) => consoleLines.push(`[admin] ${error.message}`));
    try {
      // --- first run: practice, first admin, TOTP ----------------------------------------
      await admin.goto(appLink(stack.clientUrl, '/setup', setupToken));
      await admin.getByRole('heading', { name: 'Set up your practice' }).waitFor();
      await admin.getByLabel('Practice name').fill('Harbor Aesthetics LLC');
      await admin.getByLabel('Name patients see').fill('Harbor Med Spa');
      await admin.getByLabel('Short name for sign-in and your web address').fill('harbor');
      await admin.getByLabel('Time zone').selectOption({ label: 'Pacific Time (Los Angeles)' });
      await shot(admin, 'setup-practice');
      await admin.getByRole('button', { name: 'Next' }).click();
      await admin.getByLabel('First name').fill(ADMIN.givenName);
      await admin.getByLabel('Last name').fill(ADMIN.familyName);
      await admin.getByLabel('Email').fill(ADMIN.email);
      await admin.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await admin.getByLabel('Type it again').fill(ADMIN.password);
      await shot(admin, 'setup-admin');
      await admin.getByRole('button', { name: 'Create practice' }).click();
      const adminCodes = await enrol(admin, 'admin');
      expect(adminCodes).toHaveLength(10);
      await admin.getByRole('heading', { name: 'Administration' }).waitFor();
      await shot(admin, 'admin-team-empty');

      // The used setup link now answers in plain words.
      const reuse = await adminContext.newPage();
      await reuse.goto(appLink(stack.clientUrl, '/setup', setupToken));
      await reuse.getByText('This link has already been used').waitFor();
      await shot(reuse, 'setup-link-used');
      await reuse.close();

      // --- invite the injector --------------------------------------------------------------
      await admin.getByLabel('Role').selectOption({ label: 'Injector' });
      await admin.getByLabel('Credential').selectOption({ label: 'Nurse practitioner (NP)' });
      await admin.getByLabel('First name').fill(INJECTOR.givenName);
      await admin.getByLabel('Last name').fill(INJECTOR.familyName);
      await admin.getByLabel('Email').fill(INJECTOR.email);
      await admin.getByRole('button', { name: 'Send invitation' }).click();
      await admin.getByText(`Invitation sent to ${INJECTOR.email}`).waitFor();
      await admin.getByRole('cell', { name: 'Invited, not accepted yet' }).waitFor();
      await shot(admin, 'admin-team-invited');

      const invite = await smtp.waitFor(sentTo(INJECTOR.email));
      expect(invite.subject).toBe('Your Harbor Med Spa account');
      expect(invite.text).toContain(`Hello ${INJECTOR.givenName},`);
      expect(invite.text).toContain('https://harbor.example/invite?token=');

      // --- the injector accepts -------------------------------------------------------------
      const injectorContext = await browser.newContext({ viewport: DESKTOP });
      const injector = await injectorContext.newPage();
      injector.on('pageerror', (error) => consoleLines.push(`[injector] ${error.message}`));
      await injector.goto(appLink(stack.clientUrl, '/invite', tokenIn(invite)));
      await injector.getByRole('heading', { name: `Welcome to Harbor Med Spa, ${INJECTOR.givenName}` }).waitFor();
      await injector.getByLabel('Password', { exact: true }).fill(INJECTOR.password);
      await injector.getByLabel('Type it again').fill(INJECTOR.password);
      await shot(injector, 'invite-password');
      await injector.getByRole('button', { name: 'Save password and continue' }).click();
      await enrol(injector, 'injector');

      // Profile, weekly hours (in the injector's own zone) and a day off.
      await injector.getByRole('link', { name: 'My profile and hours' }).click();
      await injector.getByRole('heading', { name: 'My profile and hours' }).waitFor();
      await injector.getByLabel('Specialties').fill('Neuromodulators, Dermal fillers');
      await injector.getByLabel('Short bio').fill('Nurse practitioner with eight years in aesthetic medicine.');
      await injector.getByRole('button', { name: 'Save profile' }).click();
      await injector.getByText('Profile saved.').waitFor();
      for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
        await injector.getByLabel(`Works on ${day}`).check();
      }
      expect(await injector.getByLabel('Saturday from').isDisabled()).toBe(true);
      await injector.getByLabel('Works on Saturday').check();
      await injector.getByLabel('Saturday from').fill('10:00');
      await injector.getByLabel('Saturday until').fill('14:00');
      await injector.getByRole('button', { name: 'Save hours' }).click();
      await injector.getByText('Hours saved.').waitFor();
      await injector.getByText('Times are in Pacific Time (Los Angeles).').waitFor();
      const dayOff = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
      await injector.getByLabel('First day off').fill(dayOff);
      await injector.getByRole('button', { name: 'Add time off' }).click();
      await injector.getByRole('button', { name: /^Remove time off from/ }).waitFor();
      await shot(injector, 'injector-profile-hours');
      const rules = await injector.evaluate(() => document.querySelectorAll('input[type=checkbox]:checked').length);
      expect(rules).toBe(6);

      await injector.getByRole('link', { name: 'My account' }).click();
      await injector.getByRole('heading', { name: 'My account' }).waitFor();
      await injector.getByText('You have 10 unused recovery codes').waitFor();
      await injector.getByLabel('Current password').fill(INJECTOR.password);
      await injector.getByLabel('New password', { exact: true }).fill('robin changed passphrase');
      await injector.getByLabel('Type it again').fill('robin changed passphrase');
      await injector.getByRole('button', { name: 'Change password' }).click();
      await injector.getByText('Password changed.').waitFor();
      await shot(injector, 'injector-account');

      // --- the admin: license, visit types, consent -----------------------------------------
      await admin.getByRole('button', { name: 'Providers' }).click();
      await admin.getByText(`${INJECTOR.givenName} ${INJECTOR.familyName}, NP`).click();
      await admin.getByLabel('State').selectOption({ label: 'New York' });
      await admin.getByLabel('License number').fill('NP-448812');
      await admin.getByLabel('Valid from').fill('2026-01-01');
      await admin.getByLabel('Expires on').fill('2028-06-30');
      await admin.getByRole('button', { name: 'Add license' }).click();
      await admin.getByText('license NP-448812').waitFor();
      await shot(admin, 'admin-provider');

      await admin.getByRole('button', { name: 'Visit types' }).click();
      for (const type of [
        { name: 'Botox consultation', kind: 'Virtual consult', length: '20', buffer: '10' },
        { name: 'Good Faith Exam for injectables', kind: 'Good Faith Exam', length: '15', buffer: '5' },
        { name: 'Two-week check-in', kind: 'Follow-up visit', length: '10', buffer: '0' },
      ]) {
        await admin.getByLabel('Name patients see').fill(type.name);
        await admin.getByLabel('Kind of visit').selectOption({ label: type.kind });
        await admin.getByLabel('Length in minutes').fill(type.length);
        await admin.getByLabel('Buffer after, in minutes').fill(type.buffer);
        await admin.getByRole('button', { name: 'Add visit type' }).click();
        await admin.getByRole('button', { name: `Retire ${type.name}` }).waitFor();
      }
      await admin.getByText('Good Faith Exam · 15 minutes + 5 minutes buffer').waitFor();
      await shot(admin, 'admin-visit-types');

      await admin.getByRole('button', { name: 'Consent documents' }).click();
      await admin.getByLabel('Document', { exact: true }).selectOption({ label: 'Telehealth consent' });
      await admin.getByLabel('Title', { exact: true }).fill('Consent to telehealth visits');
      await admin.getByLabel('Text', { exact: true }).fill('I agree to receive care by secure video. I can stop a video visit at any time.');
      await admin.getByRole('button', { name: 'Save draft and preview' }).click();
      await admin.getByRole('heading', { name: 'Preview: what patients will read' }).waitFor();
      await shot(admin, 'admin-consent-preview');
      await admin.getByRole('button', { name: 'Publish version 1' }).click();
      await admin.getByText('In use:').waitFor();
      await shot(admin, 'admin-consent-published');

      // --- a lost phone: the admin signs in with a recovery code, once --------------------
      await admin.getByRole('button', { name: 'Sign out' }).click();
      await admin.getByLabel('Practice').fill('harbor');
      await admin.getByLabel('Email').fill(ADMIN.email);
      await admin.getByLabel('Password').fill(ADMIN.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await admin.getByLabel('Authentication code').waitFor();
      await admin.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
      await admin.getByLabel('Recovery code').fill(adminCodes[0] ?? '');
      await shot(admin, 'sign-in-recovery-code');
      await admin.getByRole('button', { name: 'Verify and sign in' }).click();
      await admin.getByRole('heading', { name: 'Administration' }).waitFor();
      await admin.getByRole('link', { name: 'My account' }).click();
      await admin.getByText('You have 9 unused recovery codes').waitFor();

      // --- forgot password, from the sign-in screen -----------------------------------------
      await injector.getByRole('button', { name: 'Sign out' }).click();
      await injector.getByRole('heading', { name: 'Sign in' }).waitFor();
      await shot(injector, 'sign-in');
      await injector.getByRole('link', { name: 'Forgot password?' }).click();
      await injector.getByLabel('Practice').fill('harbor');
      await injector.getByLabel('Email').fill(INJECTOR.email);
      await injector.getByRole('button', { name: 'Send reset link' }).click();
      await injector.getByText('If an account uses that email').waitFor();
      await shot(injector, 'forgot-password-sent');
      const reset = await smtp.waitFor((mail) => sentTo(INJECTOR.email)(mail) && mail.subject === 'Reset your Harbor Med Spa password');
      await injector.goto(appLink(stack.clientUrl, '/reset-password', tokenIn(reset)));
      await injector.getByLabel('New password', { exact: true }).fill('a brand new injector passphrase');
      await injector.getByLabel('Type it again').fill('a brand new injector passphrase');
      await injector.getByRole('button', { name: 'Save new password' }).click();
      await injector.getByText('Your password is changed').waitFor();
      await shot(injector, 'reset-password-done');
      await injectorContext.close();
    } catch (error) {
      await admin.screenshot({ path: path.join(ARTIFACTS, 'day-one-failure-admin.png'), fullPage: true }).catch(() => undefined);
      await writeFile(path.join(ARTIFACTS, 'day-one-failure-console.log'), consoleLines.join('\n'));
      throw error;
    } finally {
      await adminContext.close();
    }
  });
});

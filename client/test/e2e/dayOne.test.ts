/**
 * A clinic's whole first day in real Chromium (issue 8, "Done means"), on one fresh database
 * and one stack (real API with a real SMTP server, SFU, built client), in the issue's order:
 * the first-run setup link -> practice and admin, TOTP computed from the secret in the QR
 * code's otpauth URI -> the admin invites an injector (the link read from the SMTP server)
 * -> the injector sets a password and TOTP, their profile, weekly hours in their own zone
 * and time off -> the admin creates visit types, the injector's licenses and the telehealth
 * consent -> a patient in another time zone registers from the public page, verifies their
 * email, books the invited injector for the admin's visit type at a time that is "today" on
 * their clock but already tomorrow in UTC, receives the confirmation with an .ics invite
 * and opens the join link (where the published consent waits for a signature). Then the
 * rest of day one: the patient's reschedule and cancel screens, a recovery-code sign-in and
 * forgot password by email. Every screen is saved as dayone-*.png at desktop 1280x800 and
 * phone 390x844 in client/test-artifacts/ and checked for codes, ids and zone ids.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createDataSource } from '../../../api/src/db/dataSource.js';
import { appLink } from '../../../api/src/modules/identity/accountEmails.js';
import { issueSetupTokenIfUnconfigured } from '../../../api/src/modules/identity/setupService.js';
import { startSmtpCapture } from '../../../api/test/support/smtpCapture.js';
import type { SmtpCapture } from '../../../api/test/support/smtpCapture.js';
import { launchBrowser } from '../browser.js';
import { calendarOf, enrol, linkIn, localDate, patientZone, sentTo, shot, tokenIn, whenIn } from './dayOneHelpers.js';
import { ARTIFACTS, DESKTOP, PHONE } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(900_000);

const ADMIN = { givenName: 'Avery', familyName: 'Quinn', email: 'avery@harbor.example', password: 'harbor admin passphrase' };
const INJECTOR = { givenName: 'Robin', familyName: 'Okafor', email: 'robin@harbor.example', password: 'robin injector passphrase' };
const PATIENT = { givenName: 'Rosa', familyName: 'Lindqvist', password: 'correct horse battery staple' };
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** The visit type the patient books; created by the admin below. */
const EXAM = { name: 'Good Faith Exam for injectables', kind: 'Good Faith Exam', length: '15', buffer: '5' };

describe('day one of a clinic in the browser', () => {
  let smtp: SmtpCapture;
  let stack: Stack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pages = new Map<string, Page>();
  const lines: string[] = [];

  /** A watched page: its errors are collected, and it is screenshotted if the test fails. */
  async function open(name: string, options: Parameters<Browser['newContext']>[0]): Promise<Page> {
    const context = await browser.newContext(options);
    context.setDefaultTimeout(60_000);
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') lines.push(`[${name}] console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => lines.push(`[${name}] pageerror: ${error.message}`));
    pages.set(name, page);
    return page;
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    smtp = await startSmtpCapture();
    stack = await startStack({
      apiEnv: { SMTP_URL: smtp.url, PUBLIC_APP_URL: 'https://harbor.example', JOBS_POLLING_SECONDS: '0.5' },
    });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser.close();
    await stack.close();
    await smtp.close();
  });

  it('setup link -> admin with TOTP -> invited injector -> hours, types, license, consent -> patient elsewhere books today-here-tomorrow-in-UTC, gets the .ics and joins', async () => {
    try {
      // --- first run: what `npm start` does on an empty database (api/src/index.ts) ----------
      const owner = createDataSource({ url: stack.test.database.url, purpose: 'owner', poolSize: 1 });
      await owner.initialize();
      const setupToken = await issueSetupTokenIfUnconfigured(owner, 3600);
      await owner.destroy();
      if (setupToken === null) throw new Error('a fresh database must get a setup link');

      const admin = await open('admin', { viewport: DESKTOP });
      await admin.goto(appLink(stack.clientUrl, '/setup', setupToken));
      await admin.getByRole('heading', { name: 'Set up your practice' }).waitFor();
      await admin.getByLabel('Practice name').fill('Harbor Aesthetics LLC');
      await admin.getByLabel('Name patients see').fill('Harbor Med Spa');
      await admin.getByLabel('Short name for sign-in and your web address').fill('harbor');
      await admin.getByLabel('Time zone').selectOption({ label: 'Eastern Time (New York)' });
      await shot(admin, '01-setup-practice');
      await admin.getByRole('button', { name: 'Next' }).click();
      await admin.getByLabel('First name').fill(ADMIN.givenName);
      await admin.getByLabel('Last name').fill(ADMIN.familyName);
      await admin.getByLabel('Email').fill(ADMIN.email);
      await admin.getByLabel('Password', { exact: true }).fill(ADMIN.password);
      await admin.getByLabel('Type it again').fill(ADMIN.password);
      await shot(admin, '02-setup-admin');
      await admin.getByRole('button', { name: 'Create practice' }).click();
      const adminCodes = await enrol(admin, '03-admin');
      expect(adminCodes).toHaveLength(10);
      await admin.getByRole('heading', { name: 'Administration' }).waitFor();
      await shot(admin, '04-admin-team-empty');

      // The used setup link now answers in plain words.
      const reuse = await admin.context().newPage();
      await reuse.goto(appLink(stack.clientUrl, '/setup', setupToken));
      await reuse.getByText('This link has already been used').waitFor();
      await shot(reuse, '05-setup-link-used');
      await reuse.close();

      // --- the admin invites the injector; the link arrives by SMTP ---------------------------
      await admin.getByLabel('Role').selectOption({ label: 'Injector' });
      await admin.getByLabel('Credential').selectOption({ label: 'Nurse practitioner (NP)' });
      await admin.getByLabel('First name').fill(INJECTOR.givenName);
      await admin.getByLabel('Last name').fill(INJECTOR.familyName);
      await admin.getByLabel('Email').fill(INJECTOR.email);
      await admin.getByRole('button', { name: 'Send invitation' }).click();
      await admin.getByText(`Invitation sent to ${INJECTOR.email}`).waitFor();
      await admin.getByRole('cell', { name: 'Invited, not accepted yet' }).waitFor();
      await shot(admin, '06-admin-team-invited');

      const invite = await smtp.waitFor(sentTo(INJECTOR.email));
      expect(invite.subject).toBe('Your Harbor Med Spa account');
      expect(invite.text).toContain(`Hello ${INJECTOR.givenName},`);
      expect(invite.text).toContain('https://harbor.example/invite?token=');

      // --- the injector: password, TOTP, profile, hours in their own zone, time off ----------
      const injector = await open('injector', { viewport: DESKTOP });
      await injector.goto(appLink(stack.clientUrl, '/invite', tokenIn(invite)));
      await injector.getByRole('heading', { name: `Welcome to Harbor Med Spa, ${INJECTOR.givenName}` }).waitFor();
      await injector.getByLabel('Password', { exact: true }).fill(INJECTOR.password);
      await injector.getByLabel('Type it again').fill(INJECTOR.password);
      await shot(injector, '07-invite-password');
      await injector.getByRole('button', { name: 'Save password and continue' }).click();
      await enrol(injector, '08-injector');

      await injector.getByRole('link', { name: 'My profile and hours' }).click();
      await injector.getByRole('heading', { name: 'My profile and hours' }).waitFor();
      await injector.getByLabel('Specialties').fill('Neuromodulators, Dermal fillers');
      await injector.getByLabel('Short bio').fill('Nurse practitioner with eight years in aesthetic medicine.');
      await injector.getByLabel('Home time zone').selectOption({ label: 'Eastern Time (New York)' });
      await injector.getByRole('button', { name: 'Save profile' }).click();
      await injector.getByText('Profile saved.').waitFor();
      // Every day, all day, on the injector's New York clock: whatever the wall-clock time of
      // the run, the patient's evening far to the west (already tomorrow in UTC) is open.
      expect(await injector.getByLabel('Saturday from').isDisabled()).toBe(true);
      for (const day of DAYS) {
        await injector.getByLabel(`Works on ${day}`).check();
        await injector.getByLabel(`${day} from`).fill('00:00');
        await injector.getByLabel(`${day} until`).fill('23:59');
      }
      await injector.getByRole('button', { name: 'Save hours' }).click();
      await injector.getByText('Hours saved.').waitFor();
      await injector.getByText('Times are in Eastern Time (New York).').waitFor();
      // Two weeks out: never the day the patient books.
      const dayOff = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
      await injector.getByLabel('First day off').fill(dayOff);
      await injector.getByRole('button', { name: 'Add time off' }).click();
      await injector.getByRole('button', { name: /^Remove time off from/ }).waitFor();
      await shot(injector, '09-injector-profile-hours');
      expect(await injector.evaluate(() => document.querySelectorAll('input[type=checkbox]:checked').length)).toBe(7);

      await injector.getByRole('link', { name: 'My account' }).click();
      await injector.getByRole('heading', { name: 'My account' }).waitFor();
      await injector.getByText('You have 10 unused recovery codes').waitFor();
      await injector.getByLabel('Current password').fill(INJECTOR.password);
      await injector.getByLabel('New password', { exact: true }).fill('robin changed passphrase');
      await injector.getByLabel('Type it again').fill('robin changed passphrase');
      await injector.getByRole('button', { name: 'Change password' }).click();
      await injector.getByText('Password changed.').waitFor();
      await shot(injector, '10-injector-account');

      // --- the admin: visit types, the injector's licenses, the telehealth consent -----------
      await admin.getByRole('button', { name: 'Visit types' }).click();
      for (const type of [
        { name: 'Botox consultation', kind: 'Virtual consult', length: '20', buffer: '10' },
        EXAM,
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
      await shot(admin, '11-admin-visit-types');

      // Licensed where the patient will be (California, or Hawaii late at night in California).
      await admin.getByRole('button', { name: 'Providers' }).click();
      await admin.getByText(`${INJECTOR.givenName} ${INJECTOR.familyName}, NP`).click();
      for (const [state, licenseNumber] of [['California', 'CA-NP-448812'], ['Hawaii', 'HI-NP-22107']] as const) {
        await admin.getByLabel('State').selectOption({ label: state });
        await admin.getByLabel('License number').fill(licenseNumber);
        await admin.getByLabel('Valid from').fill('2026-01-01');
        await admin.getByLabel('Expires on').fill('2028-06-30');
        await admin.getByRole('button', { name: 'Add license' }).click();
        await admin.getByText(`license ${licenseNumber}`).waitFor();
      }
      await shot(admin, '12-admin-provider');

      await admin.getByRole('button', { name: 'Consent documents' }).click();
      await admin.getByLabel('Document', { exact: true }).selectOption({ label: 'Telehealth consent' });
      await admin.getByLabel('Title', { exact: true }).fill('Consent to telehealth visits');
      await admin.getByLabel('Text', { exact: true }).fill('I agree to receive care by secure video. I can stop a video visit at any time.');
      await admin.getByRole('button', { name: 'Save draft and preview' }).click();
      await admin.getByRole('heading', { name: 'Preview: what patients will read' }).waitFor();
      await shot(admin, '13-admin-consent-preview');
      await admin.getByRole('button', { name: 'Publish version 1' }).click();
      await admin.getByText('In use:').waitFor();
      await shot(admin, '14-admin-consent-published');

      // --- a patient far west of the practice registers from the public page -----------------
      const zone = patientZone(new Date());
      const patient = await open('patient', { viewport: PHONE, timezoneId: zone, locale: 'en-US' });
      const email = `rosa.${Date.now().toString(36)}@example.test`;
      await patient.goto(`${stack.patientClientUrl}/practices/harbor`);
      await patient.getByRole('heading', { level: 1 }).filter({ hasText: /Harbor/ }).waitFor();
      await patient.getByText(`${INJECTOR.givenName} ${INJECTOR.familyName}, NP`).waitFor();
      // The specialties the injector typed on their profile screen.
      await patient.getByText('Focus: Neuromodulators, Dermal fillers').waitFor();
      await shot(patient, '15-patient-practice-page');

      await patient.getByRole('button', { name: 'Book a visit' }).click();
      await patient.getByRole('heading', { name: 'Create your account' }).waitFor();
      await patient.getByLabel('First name').fill(PATIENT.givenName);
      await patient.getByLabel('Last name').fill(PATIENT.familyName);
      await patient.getByLabel('Email').fill(email);
      await patient.getByLabel('Password').fill(PATIENT.password);
      await shot(patient, '16-patient-create-account');
      await patient.getByRole('button', { name: 'Create account' }).click();
      await patient.getByTestId('check-email').waitFor();
      await shot(patient, '17-patient-check-email');

      // --- email verification, from the link that arrived by SMTP ----------------------------
      const verification = await smtp.waitFor((mail) => sentTo(email)(mail) && (mail.subject ?? '').startsWith('Confirm your email'), 60_000);
      await patient.goto(linkIn(verification, /https?:\/\/\S+\/verify-email#\S+/, stack.patientClientUrl));
      await patient.getByTestId('confirm-email').waitFor();
      // Opening the link takes the password of that registration (not the practice, not the email).
      expect(await patient.getByLabel('Practice').count()).toBe(0);
      await patient.getByLabel('Password').fill('not my password at all');
      await patient.getByRole('button', { name: 'Confirm and continue' }).click();
      await patient.getByText('That is not the password you chose when you registered.').waitFor();
      await shot(patient, '18-patient-confirm-email-wrong-password');
      await patient.getByLabel('Password').fill(PATIENT.password);
      await shot(patient, '19-patient-confirm-email');
      await patient.getByRole('button', { name: 'Confirm and continue' }).click();

      // --- booking: the admin's visit type, the invited injector, today here / tomorrow in UTC
      await patient.getByRole('heading', { name: 'Book a visit' }).waitFor();
      await patient.getByLabel(new RegExp(EXAM.name)).check();
      await patient.getByLabel('Provider').selectOption({ label: `${INJECTOR.givenName} ${INJECTOR.familyName}, NP` });
      await patient.getByLabel('Where will you be during the visit?').selectOption(zone === 'America/Los_Angeles' ? 'CA' : 'HI');
      const today = localDate(new Date(), zone);
      expect(await patient.getByTestId('day-heading').textContent()).toMatch(/^Today, /);
      await patient.locator('button.slot').first().waitFor();
      const starts = await patient.locator('button.slot').evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-starts-at') ?? ''));
      expect(starts.length).toBeGreaterThan(0);
      // The day view is the patient's own day, not the UTC one...
      for (const start of starts) expect(localDate(new Date(start), zone)).toBe(today);
      // ...so it offers times whose UTC date (the ISO string's) is already tomorrow.
      const chosen = starts.find((start) => start.slice(0, 10) > today);
      if (chosen === undefined) throw new Error(`no slot today (${today}) that is tomorrow in UTC: ${starts.join(', ')}`);
      await shot(patient, '20-patient-pick-time');
      await patient.locator(`button.slot[data-starts-at="${chosen}"]`).click();

      const expectedWhen = whenIn(chosen, zone);
      expect(await patient.getByTestId('confirm-when').textContent()).toBe(expectedWhen);
      await patient.getByText(`${EXAM.name}, ${EXAM.length} minutes`).waitFor();
      await shot(patient, '21-patient-confirm');
      await patient.getByRole('button', { name: 'Confirm booking' }).click();
      await patient.getByTestId('booking-confirmation').waitFor();
      expect(await patient.getByTestId('booking-confirmation').textContent()).toContain(expectedWhen);
      await shot(patient, '22-patient-booked');

      // --- confirmation by SMTP with an RFC 5545 invite, minimum necessary -------------------
      const confirmation = await smtp.waitFor((mail) => sentTo(email)(mail) && (mail.subject ?? '').includes('is confirmed'), 60_000);
      expect(confirmation.subject).toMatch(/^Your appointment with Harbor .+ is confirmed$/);
      expect(confirmation.text).toContain(`Hello ${PATIENT.givenName},`);
      expect(confirmation.text).toContain(expectedWhen);
      for (const word of [/good faith/i, /\bGFE\b/, /injectable/i, /lindqvist/i, /robin/i, /okafor/i, /neuromodulator/i, /filler/i]) {
        expect(`${confirmation.subject ?? ''}\n${confirmation.text ?? ''}`).not.toMatch(word);
      }
      const ics = calendarOf(confirmation);
      expect(ics.method).toBe('REQUEST');
      expect(ics.event.startDate.toJSDate().toISOString()).toBe(new Date(chosen).toISOString());
      expect(ics.raw).toMatch(/\r\nDTSTART:\d{8}T\d{6}Z\r\n/);

      // --- the join link: the published consent waits for a signature ------------------------
      const joinLink = linkIn(confirmation, /https?:\/\/\S+\/visit\/[0-9a-f-]{36}\?practice=[a-z0-9-]+/, stack.patientClientUrl);
      await patient.goto(joinLink);
      await patient.getByText('I agree to receive care by secure video.').waitFor();
      await patient.getByLabel('Type your full name to sign').waitFor();
      await shot(patient, '23-patient-join-link');

      // ====== "Done means" is complete; the rest of day one on the same stack ===============
      await patient.goto(`${stack.patientClientUrl}/`);
      await patient.getByTestId('upcoming-visit').waitFor();
      expect(await patient.getByTestId('upcoming-visit').innerText()).toContain(`${EXAM.name} with ${INJECTOR.givenName} ${INJECTOR.familyName}, NP`);
      await shot(patient, '24-patient-my-visits');
      await patient.getByRole('link', { name: 'Change time' }).click();
      await patient.getByRole('heading', { name: 'Change the time of your visit' }).waitFor();
      await patient.locator('button.slot').first().waitFor();
      await shot(patient, '25-patient-change-time');
      await patient.goto(`${stack.patientClientUrl}/`);
      await patient.getByRole('link', { name: 'Cancel' }).click();
      await patient.getByRole('heading', { name: 'Cancel this visit?' }).waitFor();
      await shot(patient, '26-patient-cancel');
      await patient.getByRole('button', { name: 'Yes, cancel my visit' }).click();
      await patient.getByTestId('cancelled').waitFor();
      await shot(patient, '27-patient-cancelled');
      const cancelled = await smtp.waitFor((mail) => sentTo(email)(mail) && (mail.subject ?? '').includes('is cancelled'), 60_000);
      const cancel = calendarOf(cancelled);
      expect(cancel.method).toBe('CANCEL');
      expect(cancel.event.uid).toBe(ics.event.uid);

      // Signed out, the emailed join link still needs no practice typed.
      const signedOut = await open('signed-out patient', { viewport: PHONE, timezoneId: zone, locale: 'en-US' });
      await signedOut.goto(joinLink);
      await signedOut.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await signedOut.getByLabel('Practice').count()).toBe(0);
      await shot(signedOut, '28-patient-sign-in-from-link');

      // A lost phone: the admin signs in with a recovery code, once.
      await admin.getByRole('button', { name: 'Sign out' }).click();
      await admin.getByLabel('Practice').fill('harbor');
      await admin.getByLabel('Email').fill(ADMIN.email);
      await admin.getByLabel('Password').fill(ADMIN.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await admin.getByLabel('Authentication code').waitFor();
      await admin.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
      await admin.getByLabel('Recovery code').fill(adminCodes[0] ?? '');
      await shot(admin, '29-sign-in-recovery-code');
      await admin.getByRole('button', { name: 'Verify and sign in' }).click();
      await admin.getByRole('heading', { name: 'Administration' }).waitFor();
      await admin.getByRole('link', { name: 'My account' }).click();
      await admin.getByText('You have 9 unused recovery codes').waitFor();

      // Forgot password, from the sign-in screen.
      await injector.getByRole('button', { name: 'Sign out' }).click();
      await injector.getByRole('heading', { name: 'Sign in' }).waitFor();
      await shot(injector, '30-sign-in');
      await injector.getByRole('link', { name: 'Forgot password?' }).click();
      await injector.getByLabel('Practice').fill('harbor');
      await injector.getByLabel('Email').fill(INJECTOR.email);
      await injector.getByRole('button', { name: 'Send reset link' }).click();
      await injector.getByText('If an account uses that email').waitFor();
      await shot(injector, '31-forgot-password-sent');
      const reset = await smtp.waitFor((mail) => sentTo(INJECTOR.email)(mail) && mail.subject === 'Reset your Harbor Med Spa password');
      await injector.goto(appLink(stack.clientUrl, '/reset-password', tokenIn(reset)));
      await injector.getByLabel('New password', { exact: true }).fill('a brand new injector passphrase');
      await injector.getByLabel('Type it again').fill('a brand new injector passphrase');
      await injector.getByRole('button', { name: 'Save new password' }).click();
      await injector.getByText('Your password is changed').waitFor();
      await shot(injector, '32-reset-password-done');

      // Expected 4xx answers (the wrong password above) log as failed loads; nothing else may.
      expect(lines.filter((line) => !line.includes('status of 4'))).toEqual([]);
    } catch (error) {
      for (const [name, page] of pages) {
        await page.screenshot({ path: path.join(ARTIFACTS, `dayone-failure-${name.replace(/\W+/g, '-')}.png`), fullPage: true }).catch(() => undefined);
      }
      await writeFile(path.join(ARTIFACTS, 'dayone-failure-console.log'), lines.join('\n'));
      throw error;
    }
  });
});

/**
 * End to end in real Chromium (fake camera and microphone): a patient and an injector complete
 * a consult through the real API, SFU and built client, with video decoded on both sides
 * through E2EE; the patient's browser loses its signaling connection and rejoins by itself.
 * Screenshots of each main screen land in client/test-artifacts/ (gitignored).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, createUser, loginUser, nextTotpCode } from '../../../api/test/fixtures/identity.js';
import type { TestUser } from '../../../api/test/fixtures/identity.js';
import { insertAppointment } from '../../../api/test/clinical/clinicalFixtures.js';
import { launchBrowser } from '../browser.js';
import { MEDIA_TIMEOUT_MS, recordConsole, signIn, waitForDecodedRemoteVideo } from './pageSteps.js';
import { seedConsultClinic } from './consultClinic.js';
import { assertAccessible } from './accessibility.js';
import { ARTIFACTS, DESKTOP, PHONE } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(300_000);

/** The accessibility check (accessibility.ts), then a full-page screenshot at the page's own size. */
async function shot(page: Page, name: string): Promise<void> {
  await assertAccessible(page, name);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** On failure: a screenshot of every open page and the console log, then rethrow. */
async function withDiagnostics(pages: () => Record<string, Page | undefined>, lines: string[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    for (const [name, page] of Object.entries(pages())) {
      if (page !== undefined) await page.screenshot({ path: path.join(ARTIFACTS, `failure-${name}.png`), fullPage: true }).catch(() => undefined);
    }
    await writeFile(path.join(ARTIFACTS, 'failure-console.log'), lines.join('\n'));
    throw error;
  }
}

/** The same sign-in with the keyboard only: Tab through labelled fields, Enter submits. */
async function signInWithKeyboard(page: Page, practiceSlug: string, user: TestUser): Promise<void> {
  await page.getByLabel('Practice').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.type(practiceSlug);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
  if (user.totpSecret !== null) {
    await page.getByLabel('Authentication code').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(await nextTotpCode(user));
    await page.keyboard.press('Enter');
  }
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function sas(page: Page): Promise<string> {
  const element = page.getByTestId('sas');
  await element.waitFor({ timeout: MEDIA_TIMEOUT_MS });
  return (await element.getAttribute('data-sas')) ?? '';
}

describe('consult end to end in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let patientContext: BrowserContext;
  let injectorContext: BrowserContext;
  let practiceSlug: string;
  let patient: TestUser;
  let injector: TestUser;
  let compliance: TestUser;
  let admin: TestUser;
  let appointmentId: string;
  let treatmentId: string;
  let followUpId: string;
  let gfeId: string;
  /** Pages stay open across tests: the session lives in the tab's sessionStorage. */
  const pages: { patient?: Page; injector?: Page } = {};
  const lines: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startStack();
    const { test } = stack;
    const clinic = await seedConsultClinic(test, 20);
    const { practice } = clinic;
    practiceSlug = practice.slug;
    ({ injector, patient, appointmentId } = clinic);
    compliance = await createUser(test, practice.id, 'compliance_officer');
    admin = await createUser(test, practice.id, 'admin');
    // A past treatment and its follow-up right after the consult (inside the admission window).
    treatmentId = await insertAppointment(test, practice.id, {
      providerId: injector.id,
      patientId: patient.id,
      kind: 'treatment',
      startsAt: new Date(Date.now() - 30 * 86_400_000),
      status: 'completed',
    });
    gfeId = await insertAppointment(test, practice.id, {
      providerId: injector.id,
      patientId: patient.id,
      kind: 'gfe',
      startsAt: new Date(Date.now() + 3 * 3600_000),
      minutes: 20,
      status: 'booked',
    });
    followUpId = await insertAppointment(test, practice.id, {
      providerId: injector.id,
      patientId: patient.id,
      kind: 'follow_up',
      startsAt: new Date(Date.now() + 15 * 60_000),
      minutes: 15,
      status: 'booked',
    });
    browser = await launchBrowser();
    patientContext = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    injectorContext = await browser.newContext({ viewport: DESKTOP });
    // Generous waits: CI shares two cores between this browser, the SFU, the API and other suites.
    patientContext.setDefaultTimeout(60_000);
    injectorContext.setDefaultTimeout(60_000);
  });

  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  it('patient and injector complete a consult with E2EE video decoded on both sides, and the patient rejoins after a drop', async () => {
    const injectorPage = await injectorContext.newPage();
    pages.injector = injectorPage;
    recordConsole(injectorPage, 'injector', lines);
    await withDiagnostics(() => ({ ...pages }), lines, async () => {
    await injectorPage.goto(stack.clientUrl);
    await shot(injectorPage, '01-login');
    await signIn(injectorPage, practiceSlug, injector);
    const roomLink = injectorPage.locator(`a[href="/visit/${appointmentId}"]`);
    await roomLink.waitFor();
    await shot(injectorPage, '02-injector-schedule');
    await roomLink.click();
    await injectorPage.getByRole('button', { name: 'Continue' }).waitFor();
    await injectorPage.getByRole('button', { name: 'Continue' }).click({ timeout: MEDIA_TIMEOUT_MS });
    await injectorPage.getByText('Nobody is waiting.').waitFor({ timeout: MEDIA_TIMEOUT_MS });

    const patientPage = await patientContext.newPage();
    recordConsole(patientPage, 'patient', lines);
    pages.patient = patientPage;
    await patientPage.goto(stack.patientClientUrl);
    await signIn(patientPage, practiceSlug, patient);
    const joinLink = patientPage.locator(`a[href="/visit/${appointmentId}"]`);
    await joinLink.waitFor();
    await shot(patientPage, '03-patient-home-phone');
    await joinLink.click();
    expect(new URL(patientPage.url()).pathname).toBe(`/visit/${appointmentId}`);
    await patientPage.getByLabel('Type your full name to sign').fill('Pat Patient');
    await shot(patientPage, '04-patient-consent-phone');
    await patientPage.getByRole('button', { name: 'Sign and continue' }).click();
    await patientPage.getByLabel('Your current state').selectOption('CT');
    await patientPage.getByRole('button', { name: 'Confirm location' }).click();
    await patientPage.getByRole('button', { name: 'Continue' }).waitFor();
    await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await shot(patientPage, '05-patient-precheck-phone');
    await patientPage.getByRole('button', { name: 'Continue' }).click();
    await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await shot(patientPage, '06-patient-waiting-room-phone');

    await injectorPage.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
    const [patientFrames, injectorFrames] = await Promise.all([waitForDecodedRemoteVideo(patientPage), waitForDecodedRemoteVideo(injectorPage)]);
    expect(patientFrames).toBeGreaterThan(10);
    expect(injectorFrames).toBeGreaterThan(10);

    // Both see E2EE active and the same short authentication string.
    await patientPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await injectorPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    const [patientSas, injectorSas] = await Promise.all([sas(patientPage), sas(injectorPage)]);
    // 7 symbols x 6 bits = 42 bits over both API-certified keys and their committed nonces.
    expect(patientSas.split('|')).toHaveLength(7);
    expect(patientSas).toBe(injectorSas);
    // Who holds the keys, by certified name and role; nobody was refused.
    await patientPage.locator('[data-testid=key-holder][data-role=provider]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await injectorPage.locator('[data-testid=key-holder][data-role=patient]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    expect(await patientPage.getByTestId('key-refused').count()).toBe(0);
    await patientPage.getByRole('button', { name: 'Codes match' }).click();
    await injectorPage.getByRole('button', { name: 'Codes match' }).click();
    await patientPage.getByTestId('sas-verified').waitFor();
    await shot(patientPage, '07-patient-consult-room-phone');

    // Notes side by side with the video: write, save, sign and lock.
    await injectorPage.getByLabel('Subjective').fill('Wants softer forehead lines.');
    await injectorPage.getByLabel('Assessment').fill('Dynamic rhytids; good candidate.');
    await injectorPage.getByLabel('Summary for the patient').fill('We discussed treatment options for forehead lines.');
    await injectorPage.getByRole('button', { name: 'Save draft' }).click();
    await injectorPage.getByText('Saved version 1').waitFor();
    await injectorPage.getByRole('button', { name: 'Sign and lock' }).click();
    await injectorPage.getByText('Signed and locked').first().waitFor();
    await shot(injectorPage, '08-injector-consult-room-notes');

    // Network drop: the patient's signaling socket is cut (their client server restarts). The
    // browser must reconnect by itself, rejoin without a second admission and decode again.
    await stack.restartPatientClientServer();
    await patientPage.locator('[data-testid=network]').filter({ hasText: /Reconnecting|Connection lost/ }).waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await patientPage.locator('.room[data-phase=in_room]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    const [patientAfter, injectorAfter] = await Promise.all([waitForDecodedRemoteVideo(patientPage), waitForDecodedRemoteVideo(injectorPage)]);
    expect(patientAfter).toBeGreaterThan(10);
    expect(injectorAfter).toBeGreaterThan(10);
    await patientPage.locator('[data-testid=e2ee-status][data-state=active]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    // The rejoin brought a new certified key: "Verified" is gone on both sides and both show the same new code.
    await injectorPage.locator('[data-testid=e2ee-status][data-verified=false]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    await patientPage.locator('[data-testid=e2ee-status][data-verified=false]').waitFor({ timeout: MEDIA_TIMEOUT_MS });
    let [patientSasAfter, injectorSasAfter] = [patientSas, ''];
    for (let attempt = 0; attempt < 60 && (patientSasAfter === patientSas || patientSasAfter !== injectorSasAfter); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      [patientSasAfter, injectorSasAfter] = await Promise.all([sas(patientPage), sas(injectorPage)]);
    }
    expect(patientSasAfter).not.toBe(patientSas);
    expect(patientSasAfter).toBe(injectorSasAfter);
    await shot(patientPage, '09-patient-after-reconnect-phone');

    await patientPage.getByRole('button', { name: 'Leave visit' }).click();
    await injectorPage.getByRole('button', { name: 'End visit' }).click();

    // The patient's record views.
    await patientPage.goto(`${stack.patientClientUrl}/`);
    await patientPage.getByTestId('record-access').waitFor();
    await patientPage.getByText('We discussed treatment options for forehead lines.').waitFor();
    await shot(patientPage, '10-patient-summaries-and-access-phone');
    });
  });

  it('follow-up room: the before photo guides the pose as a ghost, the patient uploads a photo, the injector compares', async () => {
    const { patient: patientPage, injector: injectorPage } = pages;
    if (patientPage === undefined || injectorPage === undefined) throw new Error('the consult test did not sign both in');
    await withDiagnostics(() => ({ patient: patientPage, injector: injectorPage }), lines, async () => {
      // The "before" photo of the earlier treatment (any PNG: a rendered page will do).
      await patientPage.goto(`${stack.patientClientUrl}/`);
      await patientPage.getByRole('heading', { name: 'My visits' }).waitFor();
      const png = await patientPage.screenshot();
      const session = await loginUser(stack.test, practiceSlug, patient);
      await request(stack.test.api.app)
        .post(`/v1/appointments/${treatmentId}/photos?phase=before`)
        .set('authorization', bearer(session))
        .set('content-type', 'image/png')
        .send(png)
        .expect(201);

      await patientPage.goto(`${stack.patientClientUrl}/visit/${followUpId}`);
      await patientPage.getByText('You have signed the current telehealth consent.').waitFor();
      await patientPage.getByRole('button', { name: 'Continue' }).click();
      await patientPage.getByRole('button', { name: 'Confirm location' }).click();
      await patientPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await patientPage.getByRole('button', { name: 'Continue' }).click();
      await patientPage.getByTestId('waiting-room').waitFor({ timeout: MEDIA_TIMEOUT_MS });

      await injectorPage.goto(`${stack.clientUrl}/visit/${followUpId}`);
      await injectorPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.getByRole('button', { name: 'Continue' }).click();
      await injectorPage.getByRole('button', { name: 'Admit' }).click({ timeout: MEDIA_TIMEOUT_MS });
      await waitForDecodedRemoteVideo(patientPage);

      // The ghost is the decrypted before photo, laid over the live camera.
      await patientPage.waitForFunction(() => {
        const ghost = document.querySelector<HTMLImageElement>('[data-testid=ghost]');
        return ghost !== null && ghost.complete && ghost.naturalWidth > 0;
      });
      await patientPage.getByLabel('Pain (0 none – 10 worst)').selectOption('2');
      await patientPage.getByRole('button', { name: 'Send answers' }).click();
      await patientPage.getByText('Thank you, your answers were sent.').waitFor();
      await patientPage.getByRole('button', { name: 'Take and upload photo' }).click();
      await patientPage.getByText('Uploaded 1 photo.', { exact: false }).waitFor();
      await shot(patientPage, '13-patient-follow-up-room-ghost-phone');

      await injectorPage.getByRole('button', { name: 'Refresh photos' }).click();
      await injectorPage.getByRole('img', { name: 'Before photo' }).waitFor();
      await injectorPage.getByRole('img', { name: 'Today photo' }).waitFor();
      await shot(injectorPage, '14-injector-follow-up-photo-comparison');
      await patientPage.getByRole('button', { name: 'Leave visit' }).click();
      await injectorPage.getByRole('button', { name: 'End visit' }).click();
    });
  });

  it('GFE form beside the video: the injector clears a service and signs; the outcome reaches the patient record', async () => {
    const injectorPage = pages.injector;
    if (injectorPage === undefined) throw new Error('the consult test did not sign the injector in');
    await withDiagnostics(() => ({ injector: injectorPage }), lines, async () => {
      await injectorPage.goto(`${stack.clientUrl}/visit/${gfeId}`);
      await injectorPage.getByText('Camera: Working').waitFor({ timeout: MEDIA_TIMEOUT_MS });
      await injectorPage.getByRole('button', { name: 'Continue' }).click();
      await injectorPage.getByRole('heading', { name: 'Good Faith Exam', exact: true }).waitFor();
      await injectorPage.getByLabel('History').fill('No prior neuromodulator treatment.');
      await injectorPage.getByLabel('Contraindications').fill('None reported.');
      await injectorPage.getByLabel('Service code').fill('neuromodulator');
      await injectorPage.getByLabel('Outcome').selectOption('cleared');
      await injectorPage.getByLabel('Valid for (days)').fill('180');
      await injectorPage.getByRole('button', { name: 'Add service' }).click();
      await injectorPage.getByText('neuromodulator: cleared for 180 days').waitFor();
      await injectorPage.getByRole('button', { name: 'Save draft' }).click();
      await injectorPage.getByText('Saved version 1').waitFor();
      await injectorPage.getByRole('button', { name: 'Sign and lock' }).click();
      await injectorPage.getByText('Signed and locked').first().waitFor();
      await shot(injectorPage, '15-injector-gfe-form-signed');
      await injectorPage.getByRole('button', { name: 'End visit' }).click();
    });
    const session = await loginUser(stack.test, practiceSlug, patient);
    const outcomes = await request(stack.test.api.app)
      .get(`/v1/patients/${patient.id}/gfe-outcomes`)
      .set('authorization', bearer(session))
      .expect(200);
    expect((outcomes.body as { outcomes: { serviceCode: string; outcome: string; appointmentId: string }[] }).outcomes).toEqual(
      expect.arrayContaining([expect.objectContaining({ serviceCode: 'neuromodulator', outcome: 'cleared', appointmentId: gfeId })]),
    );
  });

  it('compliance officer searches the audit trail, verifies the chain; admin sees users, providers and KPIs', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await page.goto(stack.clientUrl);
    await signIn(page, practiceSlug, compliance);
    await page.getByLabel('What happened').selectOption('auth.login');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('audit-results').getByRole('cell', { name: 'Signed in', exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Check the chain' }).click();
    await page.getByTestId('verify-result').filter({ hasText: 'Intact' }).waitFor();
    await shot(page, '11-compliance-console');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signInWithKeyboard(page, practiceSlug, admin);
    await page.getByTestId('users-table').getByText(injector.email).waitFor();
    // The KPI funnel has its own tab in the admin console.
    await page.getByRole('button', { name: 'Reports' }).click();
    await page.getByTestId('kpi-table').waitFor();
    await shot(page, '12-admin-console');
    await context.close();
  });

  it('anyone can read the practice provider disclosure page without signing in', async () => {
    const context = await browser.newContext({ viewport: PHONE, isMobile: true });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await page.goto(`${stack.clientUrl}/practices/${practiceSlug}/providers`);
    const listing = page.getByTestId('provider-disclosure');
    await listing.getByText('Ivy Injector', { exact: false }).waitFor();
    await listing.getByText('Licensed in: CT').waitFor();
    await shot(page, '16-public-provider-disclosure-phone');
    await context.close();
  });
});

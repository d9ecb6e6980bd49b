/**
 * The compliance console and the patient's "Who viewed my record" in real Chromium: names and
 * plain action labels (not codes), the patient filter by name, chain check, a signed checkpoint
 * and an export receipt verified by the browser itself against the JWKS; the patient reads
 * "Dr. Ana Lopez viewed your consult note" and no room plumbing. Screenshots in
 * client/test-artifacts/ (desktop 1280x800, phone 390x844).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { recordAudit } from '../../../api/src/audit/auditWriter.js';
import { withTenant } from '../../../api/src/db/tenantTransaction.js';
import { createUser, seedPractice } from '../../../api/test/fixtures/identity.js';
import type { TestUser } from '../../../api/test/fixtures/identity.js';
import { ensureProviderProfile } from '../../../api/test/clinical/clinicalFixtures.js';
import { asOwner } from '../../../api/test/testDatabase.js';
import { launchBrowser } from '../browser.js';
import { signIn } from './pageSteps.js';
import { assertAccessible } from './accessibility.js';
import { ARTIFACTS, DESKTOP, PHONE, photograph } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(300_000);

describe('audit views in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let practiceSlug: string;
  let officer: TestUser;
  let patient: TestUser;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startStack();
    const { test } = stack;
    const practice = await seedPractice(test);
    practiceSlug = practice.slug;
    officer = await createUser(test, practice.id, 'compliance_officer');
    patient = await createUser(test, practice.id, 'patient', { givenName: 'Pat', familyName: 'Patient' });
    await createUser(test, practice.id, 'patient', { givenName: 'Quinn', familyName: 'Other' });
    const director = await createUser(test, practice.id, 'medical_director', { givenName: 'Ana', familyName: 'Lopez' });
    await ensureProviderProfile(test, practice.id, director.id);
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE provider_profiles SET credential = 'MD' WHERE user_id = $1`, [director.id]),
    );
    const context = {
      requestId: 'e2e-audit-views',
      ip: '203.0.113.9',
      userAgent: 'e2e',
      auth: { userId: director.id, practiceId: practice.id, role: 'medical_director' as const, sessionId: director.id },
    };
    // The director reads the note; the room plumbing around a visit must not read as a view.
    await withTenant(test.api.services.dataSource, practice.id, async (manager) => {
      for (const action of ['room.token_issued', 'room.join', 'room.e2ee_state', 'note.read', 'room.leave'] as const) {
        await recordAudit(manager, practice.id, context, { action, entityType: 'note', entityId: 'n-1', patientId: patient.id });
      }
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  it('compliance console: names, plain labels, patient filter, chain check, checkpoint and a verified export receipt', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await page.goto(stack.clientUrl);
    await signIn(page, practiceSlug, officer);

    await page.getByLabel('Patient name').fill('pat');
    await page.getByRole('button', { name: 'Find patient' }).click();
    await page.getByRole('button', { name: 'Pat Patient' }).click();
    await page.getByTestId('patient-filter').filter({ hasText: 'Pat Patient' }).waitFor();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByTestId('audit-results');
    await results.getByRole('cell', { name: 'Viewed a consult note' }).waitFor();
    await results.getByRole('cell', { name: 'Ana Lopez (medical director)' }).first().waitFor();
    await results.getByRole('cell', { name: 'Pat Patient' }).first().waitFor();
    const table = await results.innerText();
    expect(table).not.toContain('note.read');
    expect(table).not.toContain(patient.id);
    expect(table).not.toContain('Quinn');

    await page.getByRole('button', { name: 'Check the chain' }).click();
    await page.getByTestId('verify-result').filter({ hasText: 'Intact' }).waitFor();
    await page.getByRole('button', { name: 'Take a signed checkpoint' }).click();
    await page.getByTestId('checkpoint').filter({ hasText: 'Its signature holds' }).waitFor();

    await page.getByLabel('Format').selectOption('ndjson');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download export' }).click();
    await download;
    await page.getByTestId('export-manifest').waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    const check = page.getByTestId('manifest-check');
    await check.filter({ hasText: "The receipt's signature holds" }).waitFor();
    await check.filter({ hasText: 'cut at a signed checkpoint' }).waitFor();
    await photograph(page, 'audit-console');
    await context.close();
  });

  it('patient: who viewed my record, by person and day, in plain words, without room plumbing', async () => {
    for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      const context = await browser.newContext({ viewport, isMobile: name === 'phone' });
      context.setDefaultTimeout(60_000);
      const page = await context.newPage();
      await page.goto(stack.patientClientUrl);
      await signIn(page, practiceSlug, patient);
      const history = page.getByTestId('record-access');
      await history.getByText('Dr. Ana Lopez viewed your consult note').waitFor();
      const text = await history.innerText();
      // One line for the director's day, and nothing about rooms, passes or encryption.
      expect(text.match(/Dr\. Ana Lopez/g)).toHaveLength(1);
      expect(text).not.toMatch(/room|pass|encrypt|looked at your record/i);
      await page.getByRole('heading', { name: 'Who viewed my record' }).screenshot({
        path: path.join(ARTIFACTS, `audit-who-viewed-heading-${name}.png`),
      });
      await assertAccessible(page, `who viewed my record (${name})`);
      await page.screenshot({ path: path.join(ARTIFACTS, `audit-who-viewed-${name}.png`), fullPage: true });
      await context.close();
    }
  });
});

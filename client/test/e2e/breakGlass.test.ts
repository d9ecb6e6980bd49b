/**
 * The compliance console lists break-glass access for review: an injector outside a
 * patient's care team opens the record with a reason (through the API), and the
 * compliance officer sees who, whose record, why and until when, in plain words, on a
 * desktop and on a phone. Screenshots land in client/test-artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { bearer, createUser, loginUser, seedPractice } from '../../../api/test/fixtures/identity.js';
import type { TestUser } from '../../../api/test/fixtures/identity.js';
import { launchBrowser } from '../browser.js';
import { signIn } from './pageSteps.js';
import { assertAccessible } from './accessibility.js';
import { ARTIFACTS, DESKTOP, PHONE } from './screens.js';
import { startStack } from './stack.js';
import type { Stack } from './stack.js';

jest.setTimeout(300_000);

const REASON = 'Covering the on-call line: patient phoned about swelling after treatment';

describe('break-glass review in the compliance console', () => {
  let stack: Stack;
  let browser: Browser;
  let practiceSlug: string;
  let compliance: TestUser;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    stack = await startStack();
    const practice = await seedPractice(stack.test);
    practiceSlug = practice.slug;
    const injector = await createUser(stack.test, practice.id, 'injector', { givenName: 'Iris', familyName: 'Oncall' });
    const patient = await createUser(stack.test, practice.id, 'patient', { givenName: 'Paula', familyName: 'Reviewed' });
    compliance = await createUser(stack.test, practice.id, 'compliance_officer');
    const session = await loginUser(stack.test, practice.slug, injector);
    await request(stack.test.api.app)
      .post(`/v1/patients/${patient.id}/break-glass`)
      .set('authorization', bearer(session))
      .send({ reason: REASON })
      .expect(201);
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  it('shows who opened whose record, why and until when, on a desktop and a phone', async () => {
    // One sign-in (an authenticator code is single-use), then the same page at phone size.
    const context = await browser.newContext({ viewport: DESKTOP });
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    await page.goto(stack.clientUrl);
    await signIn(page, practiceSlug, compliance);
    for (const [name, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      const table = page.getByTestId('break-glass-grants');
      const row = table.getByRole('row').filter({ hasText: 'Iris Oncall' });
      await row.waitFor();
      const text = await row.innerText();
      expect(text).toContain('Injector');
      expect(text).toContain('Paula Reviewed');
      expect(text).toContain(REASON);
      expect(text).toContain('still open');
      // Plain words only: no role codes or ids on screen.
      expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(text).not.toContain('injector');
      await table.scrollIntoViewIfNeeded();
      await assertAccessible(page, `break-glass review (${name})`);
      await page.screenshot({ path: path.join(ARTIFACTS, `20-break-glass-review-${name}.png`), fullPage: true });
    }
    await context.close();
  });
});

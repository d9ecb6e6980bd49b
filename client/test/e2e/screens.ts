/**
 * Screens as the browser tests record them: full-page screenshots at a desktop and a phone
 * size in client/test-artifacts/, each taken only after the screen passed the accessibility
 * check (accessibility.ts) at that size.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { assertAccessible } from './accessibility.js';

/** Where screenshots and failure logs go (client/test-artifacts/). */
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
/** Desktop viewport of every screenshot. */
export const DESKTOP = { width: 1280, height: 800 };
/** Phone viewport of every screenshot (an iPhone 12-class screen). */
export const PHONE = { width: 390, height: 844 };

/**
 * `<stem>-desktop.png` and `<stem>-phone.png` of the current screen, each after the
 * accessibility check at that size. The page gets its own viewport back afterwards.
 */
export async function photograph(page: Page, stem: string): Promise<void> {
  const original = page.viewportSize() ?? DESKTOP;
  for (const [suffix, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await assertAccessible(page, `${stem} (${suffix})`);
    await page.screenshot({ path: path.join(ARTIFACTS, `${stem}-${suffix}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

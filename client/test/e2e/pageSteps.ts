/** Browser steps shared by the end-to-end tests (sign-in, console capture, decoded video). */
import type { Page } from 'playwright-core';
import type { TestUser } from '../../../api/test/fixtures/identity.js';
import { nextTotpCode } from '../../../api/test/fixtures/identity.js';

/** Generous: CI shares two cores between the browser, the SFU nodes, the APIs and other suites. */
export const MEDIA_TIMEOUT_MS = 90_000;

/** Keeps each page's console errors so a failure shows what the app reported. */
export function recordConsole(page: Page, name: string, lines: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') lines.push(`[${name}] ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => lines.push(`[${name}] pageerror: ${error.message}`));
}

/**
 * Signs in on the login screen (with the TOTP step for staff who have one). Codes are
 * single-use, so the fixture's next unused step is taken.
 */
export async function signIn(page: Page, practiceSlug: string, user: TestUser): Promise<void> {
  await page.getByLabel('Practice').fill(practiceSlug);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (user.totpSecret !== null) {
    await page.getByLabel('Authentication code').fill(await nextTotpCode(user));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
  }
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Waits until the remote <video> has decoded frames (requestVideoFrameCallback fired). */
export async function waitForDecodedRemoteVideo(page: Page): Promise<number> {
  await page.waitForFunction(
    () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid=remote-video]');
      return video !== null && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 10;
    },
    undefined,
    { timeout: MEDIA_TIMEOUT_MS },
  );
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const video = document.querySelector<HTMLVideoElement>('[data-testid=remote-video]');
        if (video === null) {
          resolve(0);
          return;
        }
        let frames = 0;
        const onFrame = (): void => {
          frames += 1;
          if (frames >= 5) resolve(video.getVideoPlaybackQuality().totalVideoFrames);
          else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      }),
  );
}

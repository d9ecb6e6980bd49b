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

/** What a page's live channel (the API's socket.io on /v1/live/socket.io) did, seen on the wire. */
export interface LiveChannelWatch {
  /** Resolves once connected: socket.io's CONNECT packet ("40", socket.io protocol v5) came back. */
  connected: Promise<void>;
  /** Nudge events received so far (EVENT packets "42[\"nudge\",...]"). */
  nudges: () => number;
  /** Successful connections so far (a reconnection after the token expired counts again). */
  connects: () => number;
}

/** Watches the page's live channel; call it before the page opens the channel. */
export function watchLiveChannel(page: Page, timeoutMs = 30_000): LiveChannelWatch {
  let nudges = 0;
  let connects = 0;
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('the live channel did not connect')); }, timeoutMs);
    page.on('websocket', (socket) => {
      if (!socket.url().includes('/v1/live/socket.io/')) return;
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string') return;
        if (payload.startsWith('40')) {
          connects += 1;
          clearTimeout(timer);
          resolve();
        } else if (payload.startsWith('42["nudge"')) {
          nudges += 1;
        }
      });
    });
  });
  return { connected, nudges: () => nudges, connects: () => connects };
}

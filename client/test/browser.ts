import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's chromium (scripts/install-system-deps.sh); playwright never downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium with a fake camera and microphone and auto-granted permissions.
 * playwright-core gives every launch a fresh temporary profile (--user-data-dir) itself.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

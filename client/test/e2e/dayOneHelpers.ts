/**
 * Helpers for the day-one browser test (issue 8): screenshots with the plain-words check,
 * links and tokens read from emails, the .ics part, TOTP enrolment from the QR's otpauth URI,
 * and the wall-clock arithmetic behind the "today here, tomorrow in UTC" booking.
 */
import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import type { Page } from 'playwright-core';
import { totpCodeAt } from '../../../api/src/modules/identity/totp.js';
import { DESKTOP, PHONE, photograph } from './screens.js';

/** What must never reach a person's screen: ids, zone ids, API codes, the bare "GFE". */
const NOT_FOR_PEOPLE = [
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i,
  /\b(America|Pacific|Europe)\/[A-Za-z_]+/,
  /\bgfe\b/i,
  /\b(token_(invalid|expired|used)|validation_failed|mfa_required|invalid_totp)\b/,
  /\b(virtual_consult|follow_up|medical_director|front_desk)\b/,
];

/** Throws if the visible text of the page shows an id, a zone id or an API code. */
export async function assertPlain(page: Page, screen: string): Promise<void> {
  const text = await page.locator('body').innerText();
  for (const pattern of NOT_FOR_PEOPLE) {
    if (pattern.test(text)) throw new Error(`${screen}: screen shows ${String(pattern.exec(text)?.[0])}`);
  }
}

/**
 * The plain-words check, a check that nothing pushes the phone layout sideways, then
 * `dayone-<name>-desktop.png` and `-phone.png` of the current screen (screens.ts: with the
 * accessibility check at each size). The page gets its own viewport back afterwards.
 */
export async function shot(page: Page, name: string): Promise<void> {
  await assertPlain(page, name);
  const before = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(PHONE);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > PHONE.width) throw new Error(`${name}: page is ${String(width)} px wide on a ${String(PHONE.width)} px phone`);
  await page.setViewportSize(before);
  await photograph(page, `dayone-${name}`);
}

/** A predicate for `smtp.waitFor`: the mail is addressed to `address`. */
export const sentTo = (address: string) => (mail: ParsedMail): boolean =>
  (Array.isArray(mail.to) ? mail.to : [mail.to]).some((to) => to?.text.includes(address) === true);

/** The `token` query parameter of the first link in a mail. */
export function tokenIn(mail: ParsedMail): string {
  const link = /https?:\/\/\S+/.exec(mail.text ?? '')?.[0] ?? '';
  return new URL(link).searchParams.get('token') ?? '';
}

/** A link from an email, pointed at this run's client server (PUBLIC_APP_URL is a fixed name, not the test's port). */
export function linkIn(mail: ParsedMail, pattern: RegExp, clientUrl: string): string {
  const match = pattern.exec(mail.text ?? '');
  if (match === null) throw new Error(`no link matching ${pattern.source} in "${mail.subject ?? ''}"`);
  const url = new URL(match[0]);
  return `${clientUrl}${url.pathname}${url.search}${url.hash}`;
}

/** The text/calendar part of a mail, parsed with ical.js (RFC 5545). */
export function calendarOf(mail: ParsedMail): { method: unknown; event: ICAL.Event; raw: string } {
  const part = mail.attachments.find((attachment) => attachment.contentType.startsWith('text/calendar'));
  if (part === undefined) throw new Error('no calendar part');
  const raw = part.content.toString('utf8');
  const calendar = new ICAL.Component(ICAL.parse(raw) as unknown[]);
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (vevent === null) throw new Error('no VEVENT');
  return { method: calendar.getFirstPropertyValue('method'), event: new ICAL.Event(vevent), raw };
}

/** Reads the otpauth URI the enrolment screen exposes and computes the current code from its secret. */
async function codeFromQr(page: Page): Promise<string> {
  const uri = (await page.getByTestId('totp-enrolment').getAttribute('data-otpauth-uri')) ?? '';
  const secret = new URL(uri).searchParams.get('secret') ?? '';
  expect(secret).toMatch(/^[A-Z2-7]+=*$/);
  // The key printed beside the QR code is the same secret, grouped for typing.
  expect((await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '')).toBe(secret);
  return totpCodeAt(secret);
}

/** Enrols the authenticator shown on screen, finishes at the recovery codes and returns them. */
export async function enrol(page: Page, name: string): Promise<string[]> {
  await page.getByTestId('totp-enrolment').waitFor();
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  await shot(page, `${name}-totp`);
  await page.getByLabel('6-digit code').fill(await codeFromQr(page));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByTestId('recovery-codes').waitFor();
  const codes = await page.getByTestId('recovery-codes').locator('code').allInnerTexts();
  await shot(page, `${name}-recovery-codes`);
  await page.getByLabel('I have saved my recovery codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return codes;
}

/** "YYYY-MM-DD" of an instant on a zone's wall clock. */
export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

function localHour(instant: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' }).format(instant));
}

/**
 * The patient's zone: Los Angeles, whose evenings (from 16:00 standard time, 17:00 daylight
 * time) are already tomorrow in UTC; in the hours when Los Angeles has no such time left
 * today (from 22:00), Honolulu (tomorrow in UTC from 14:00, two hours behind), so a slot that
 * is today locally and tomorrow in UTC exists at any wall-clock time.
 */
export function patientZone(now: Date): string {
  return localHour(now, 'America/Los_Angeles') < 22 ? 'America/Los_Angeles' : 'Pacific/Honolulu';
}

/** How the client shows an instant to a viewer in `timeZone`: "Tue, Dec 2, 10:30 PM PST". */
export function whenIn(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone,
  }).format(new Date(instant));
}

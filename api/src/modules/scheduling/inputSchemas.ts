import { z } from 'zod';
import { isValidTimeZone, parseCalendarDate } from '@medspa/shared-types';

/**
 * Input primitives shared by scheduling, licensure and consent. They reject at the edge
 * what PostgreSQL would otherwise reject with a 5xx-shaped error: NUL bytes in text,
 * impossible dates (2026-02-30), years outside what the schedule can mean, and zone names
 * that Intl accepts but the rest of the system should not see (offset strings).
 */

// Control characters other than tab, newline and carriage return (C0 set and DEL).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LINE_BREAKS_OR_TABS = /[\t\n\r]/;

/** A single-line label (names, numbers, titles): trimmed, no control characters. */
export function labelSchema(max: number): z.ZodType<string> {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((text) => !CONTROL_CHARACTERS.test(text) && !LINE_BREAKS_OR_TABS.test(text), 'contains control characters');
}

/** Multi-line document text: tabs and line breaks allowed, other control characters not. */
export function documentTextSchema(max: number): z.ZodType<string> {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((text) => !CONTROL_CHARACTERS.test(text), 'contains control characters');
}

const MIN_DATE_YEAR = 1900;
const MAX_YEAR = 2199;
const MIN_INSTANT_YEAR = 1970;

/** A real calendar date YYYY-MM-DD between 1900 and 2199. */
export const calendarDateSchema = z.iso.date().refine((text) => {
  try {
    const date = parseCalendarDate(text);
    return date.year >= MIN_DATE_YEAR && date.year <= MAX_YEAR;
  } catch {
    return false;
  }
}, 'not a calendar date between 1900 and 2199');

/** An RFC 3339 instant with offset, between 1970 and 2199. */
export const instantSchema = z.iso.datetime({ offset: true }).refine((text) => {
  const year = new Date(text).getUTCFullYear();
  return year >= MIN_INSTANT_YEAR && year <= MAX_YEAR;
}, 'not an instant between 1970 and 2199');

// Area/Location names of the IANA database (and UTC, EST5EDT, Etc/GMT+5); no offset strings.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/** An IANA time zone name, returned in its canonical spelling (america/new_york -> America/New_York). */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(ZONE_NAME, 'not an IANA time zone name')
  .refine(isValidTimeZone, 'not an IANA time zone')
  .transform(canonicalTimeZone);

const canonicalNames = new Map<string, string>();

/** The runtime's spelling of a zone name, memoised (resolving builds an Intl formatter). */
function canonicalTimeZone(zone: string): string {
  let canonical = canonicalNames.get(zone);
  if (canonical === undefined) {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // Only valid names reach here; the cap keeps a stream of case variants from growing it forever.
    if (canonicalNames.size < 10_000) canonicalNames.set(zone, canonical);
  }
  return canonical;
}

/**
 * Calendar days as the patient lives them, in the browser's own zone. A "day" is
 * [local midnight, next local midnight): 23 or 25 hours long on DST change days, and never
 * the UTC date (at 22:14 in New York the UTC date is already tomorrow).
 */

import { addDays, calendarDateAt, formatCalendarDate, parseCalendarDate, wallTimeToInstant } from '@medspa/shared-types';

/** The zone the browser runs in (IANA name): used for requests, never shown to a person. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The local calendar date (YYYY-MM-DD) of an instant in `timeZone`. */
export function calendarDateOf(instant: Date, timeZone: string): string {
  return formatCalendarDate(calendarDateAt(instant, timeZone));
}

/** `date` plus `days` calendar days (pure date arithmetic, no zone involved). */
export function addCalendarDays(date: string, days: number): string {
  return formatCalendarDate(addDays(parseCalendarDate(date), days));
}

/**
 * The instant the local day `date` starts in `timeZone`: local midnight, or, in zones whose
 * clocks skip midnight itself on a DST day, the first minute that exists (the wall-time
 * conversion moves a skipped time forward by the gap).
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  return wallTimeToInstant({ ...parseCalendarDate(date), hour: 0, minute: 0 }, timeZone);
}

/** [local midnight, next local midnight) of `date` in `timeZone`, as instants. */
export function localDayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  return { start: startOfLocalDay(date, timeZone), end: startOfLocalDay(addCalendarDays(date, 1), timeZone) };
}

/** "Tue, Dec 2, 10:30 PM EST": date, time and the zone's short name, in the viewer's locale. */
export function formatWhen(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(new Date(iso));
}

/** "10:30 PM": a slot on the day view, whose heading already names the day. */
export function formatTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, {
    hour: 'numeric',
    minute: '2-digit',
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(new Date(iso));
}

/** "Wednesday, December 2": the heading of a day view (noon of the day, so DST cannot shift it). */
export function formatDayHeading(date: string, timeZone: string): string {
  const { start, end } = localDayBounds(date, timeZone);
  const middle = new Date((start.getTime() + end.getTime()) / 2);
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', timeZone }).format(middle);
}

/** "Pacific Standard Time": the zone as a person says it, never its IANA id. */
export function zoneLongName(timeZone: string, at = new Date()): string {
  const part = new Intl.DateTimeFormat(undefined, { timeZone, timeZoneName: 'long' })
    .formatToParts(at)
    .find((piece) => piece.type === 'timeZoneName');
  return part?.value ?? 'your time zone';
}

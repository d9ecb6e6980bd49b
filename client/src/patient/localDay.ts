/**
 * Calendar days as the patient lives them, in the browser's own zone. A "day" is
 * [local midnight, next local midnight): 23 or 25 hours long on DST change days, and never
 * the UTC date (at 22:14 in New York the UTC date is already tomorrow).
 */

const HOUR_MS = 3_600_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The zone the browser runs in (IANA name): used for requests, never shown to a person. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(instantMs: number, timeZone: string): Parts {
  let formatter = partFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    partFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(instantMs));
  const value = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? '0');
  return { year: value('year'), month: value('month'), day: value('day'), hour: value('hour'), minute: value('minute') };
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The local calendar date (YYYY-MM-DD) of an instant in `timeZone`. */
export function calendarDateOf(instant: Date, timeZone: string): string {
  const parts = partsIn(instant.getTime(), timeZone);
  return `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}`;
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const match = DATE_PATTERN.exec(date);
  if (match === null) throw new Error('not a calendar date');
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/** `date` plus `days` calendar days (pure date arithmetic, no zone involved). */
export function addCalendarDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  const shifted = new Date(Date.UTC(year, month - 1, day + days));
  return `${pad(shifted.getUTCFullYear(), 4)}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
}

/**
 * The instant the local day `date` starts in `timeZone`: the first instant whose wall clock
 * reads that date. Found from the zone's offset near midnight, then checked; zones that skip
 * midnight itself on a DST day (some do) start the day at the first existing minute.
 */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const { year, month, day } = parseDate(date);
  const utcMidnight = Date.UTC(year, month - 1, day);
  // Try each plausible offset (UTC-14 .. UTC+14): the earliest candidate that lands on `date`.
  let best: number | null = null;
  for (let offsetHours = -14; offsetHours <= 14; offsetHours += 0.25) {
    const candidate = utcMidnight - offsetHours * HOUR_MS;
    if (calendarDateOf(new Date(candidate), timeZone) !== date) continue;
    // The day starts where the previous minute is still the day before.
    if (calendarDateOf(new Date(candidate - 60_000), timeZone) === date) continue;
    if (best === null || candidate < best) best = candidate;
  }
  if (best === null) throw new Error('no such local day');
  return new Date(best);
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

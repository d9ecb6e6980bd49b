/**
 * Wall-clock <-> instant conversion for IANA time zones using only Intl (the tz database
 * that ships with Node and with every browser). Availability is stored as wall-clock times in
 * the provider's zone and patients pick days in their own, so every conversion must follow
 * that zone's daylight-saving rules on that very date. The one implementation for the API
 * (slots, reminders, emails) and the client (the patient's local day): no zod, no DOM.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` names a zone in the runtime's IANA database. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** A calendar date and time of day as a clock on the wall shows it. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function wallFields(timeZone: string, instantMs: number): WallTime & { second: number } {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's UTC offset in milliseconds at an instant (e.g. -4h for New York in July). */
export function offsetAt(timeZone: string, instantMs: number): number {
  const wall = wallFields(timeZone, instantMs);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const wholeSeconds = Math.floor(instantMs / 1000) * 1000;
  return asUtc - wholeSeconds;
}

/**
 * The instant a wall-clock time in `timeZone` denotes, with the 'compatible'
 * disambiguation of RFC 9557 / Temporal: a time that occurs twice (autumn fall-back)
 * means the earlier instant, a time skipped by a spring-forward gap is moved forward by
 * the gap's length (02:30 on 2026-03-08 in New York becomes 03:30 EDT).
 */
export function wallTimeToInstant(wall: WallTime, timeZone: string): Date {
  const key = `${timeZone} ${wall.year}-${wall.month}-${wall.day} ${wall.hour}:${wall.minute}`;
  const known = resolvedWallTimes.get(key);
  if (known !== undefined) return new Date(known);
  const instant = resolveWallTime(wall, timeZone);
  // Working hours repeat the same few wall times every week: memoise them, bounded.
  if (resolvedWallTimes.size >= MAX_MEMO_ENTRIES) resolvedWallTimes.clear();
  resolvedWallTimes.set(key, instant);
  return new Date(instant);
}

const MAX_MEMO_ENTRIES = 50_000;
const resolvedWallTimes = new Map<string, number>();

function resolveWallTime(wall: WallTime, timeZone: string): number {
  const localMs = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // Zone offsets change at most once within a day on either side, so these two cover it.
  const offsetBefore = offsetAt(timeZone, localMs - DAY_MS);
  const offsetAfter = offsetAt(timeZone, localMs + DAY_MS);
  const candidates = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => localMs - offset)
    .filter((instant) => localMs - offsetAt(timeZone, instant) === instant)
    .sort((a, b) => a - b);
  const earliest = candidates[0];
  if (earliest !== undefined) return earliest;
  // In a gap: read the wall time with the offset in force before the transition.
  return localMs - offsetBefore;
}

/** How an instant is shown to someone in `timeZone`. */
export interface LocalDisplay {
  timeZone: string;
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, 24-hour */
  time: string;
  /** ISO 8601 / RFC 3339 offset, e.g. -05:00 */
  offset: string;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Formats an offset in milliseconds as an RFC 3339 time-offset. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(Math.round(offsetMs / MINUTE_MS));
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Local date, time and offset of an instant in `timeZone`. */
export function toLocalDisplay(instant: Date, timeZone: string): LocalDisplay {
  const wall = wallFields(timeZone, instant.getTime());
  return {
    timeZone,
    date: `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`,
    time: `${pad(wall.hour)}:${pad(wall.minute)}`,
    offset: formatOffset(offsetAt(timeZone, instant.getTime())),
  };
}

/** A calendar date without a zone. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Parses YYYY-MM-DD; throws on anything else (callers validate with zod first). */
export function parseCalendarDate(text: string): CalendarDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) throw new Error('not a calendar date');
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCFullYear() !== date.year || check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) {
    throw new Error('not a calendar date');
  }
  return date;
}

/** Formats a calendar date as YYYY-MM-DD. */
export function formatCalendarDate(date: CalendarDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** The date `days` later (or earlier, when negative). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** ISO 8601 weekday: Monday = 1 ... Sunday = 7. */
export function isoWeekday(date: CalendarDate): number {
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

/** The calendar date an instant falls on in `timeZone`. */
export function calendarDateAt(instant: Date, timeZone: string): CalendarDate {
  const wall = wallFields(timeZone, instant.getTime());
  return { year: wall.year, month: wall.month, day: wall.day };
}

/** Parses HH:MM or HH:MM:SS (PostgreSQL `time` output) into minutes after midnight. */
export function minutesOfDay(text: string): number {
  const match = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(text);
  if (match === null) throw new Error('not a time of day');
  return Number(match[1]) * 60 + Number(match[2]);
}

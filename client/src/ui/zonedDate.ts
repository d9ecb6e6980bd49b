/**
 * Calendar dates in a named time zone, without a date library: the provider's day off
 * starts at midnight in the provider's zone, whatever zone the browser is in.
 */

/** Midnight starting `date` (YYYY-MM-DD) in `timeZone`, as an instant. Two passes settle the offset across DST changes. */
export function zonedMidnight(date: string, timeZone: string): Date {
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, day);
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  let guess = wall;
  for (let pass = 0; pass < 2; pass += 1) {
    const parts = Object.fromEntries(format.formatToParts(new Date(guess)).map((part) => [part.type, Number(part.value)]));
    const seenAsUtc = Date.UTC(parts.year ?? year, (parts.month ?? month) - 1, parts.day ?? day, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
    guess = wall - (seenAsUtc - guess);
  }
  return new Date(guess);
}

/** The calendar day after `date` (YYYY-MM-DD). */
export function nextDay(date: string): string {
  const [year = 1970, month = 1, day = 1] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

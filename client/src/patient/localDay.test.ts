import { addCalendarDays, calendarDateOf, formatDayHeading, formatWhen, localDayBounds, startOfLocalDay } from './localDay.js';

const NEW_YORK = 'America/New_York';
const HOUR_MS = 3_600_000;

describe('local calendar days', () => {
  it('22:14 in New York is still today there although the UTC date is tomorrow', () => {
    const evening = new Date('2026-12-03T03:14:00Z'); // Wed Dec 2, 22:14 EST
    expect(evening.toISOString().slice(0, 10)).toBe('2026-12-03');
    expect(calendarDateOf(evening, NEW_YORK)).toBe('2026-12-02');
    const { start, end } = localDayBounds('2026-12-02', NEW_YORK);
    expect(start.toISOString()).toBe('2026-12-02T05:00:00.000Z');
    expect(end.toISOString()).toBe('2026-12-03T05:00:00.000Z');
    expect(evening >= start && evening < end).toBe(true);
  });

  it('puts the instants around local midnight on the right side', () => {
    const { start } = localDayBounds('2026-12-03', NEW_YORK);
    expect(calendarDateOf(new Date(start.getTime() - 1), NEW_YORK)).toBe('2026-12-02');
    expect(calendarDateOf(start, NEW_YORK)).toBe('2026-12-03');
  });

  it('makes March 8, 2026 (spring forward) 23 hours long in New York', () => {
    const { start, end } = localDayBounds('2026-03-08', NEW_YORK);
    expect(start.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(end.toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(end.getTime() - start.getTime()).toBe(23 * HOUR_MS);
  });

  it('makes November 1, 2026 (fall back) 25 hours long in New York', () => {
    const { start, end } = localDayBounds('2026-11-01', NEW_YORK);
    expect(start.toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(end.toISOString()).toBe('2026-11-02T05:00:00.000Z');
    expect(end.getTime() - start.getTime()).toBe(25 * HOUR_MS);
  });

  it('handles zones far from UTC: Honolulu (UTC-10) and Tokyo (UTC+9)', () => {
    expect(localDayBounds('2026-12-02', 'Pacific/Honolulu').start.toISOString()).toBe('2026-12-02T10:00:00.000Z');
    // Tokyo's Dec 2 starts on Dec 1 in UTC.
    expect(localDayBounds('2026-12-02', 'Asia/Tokyo').start.toISOString()).toBe('2026-12-01T15:00:00.000Z');
    expect(calendarDateOf(new Date('2026-12-01T15:30:00Z'), 'Asia/Tokyo')).toBe('2026-12-02');
    // A fractional offset (Nepal, UTC+5:45) works too.
    expect(startOfLocalDay('2026-12-02', 'Asia/Kathmandu').toISOString()).toBe('2026-12-01T18:15:00.000Z');
  });

  it('adds calendar days across month and year ends', () => {
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addCalendarDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('formats like "Tue, Dec 2, 10:30 PM EST" in the viewer zone', () => {
    const text = formatWhen('2026-12-03T03:30:00Z', NEW_YORK);
    // Jest's Node may have any default locale; the en-US shape is what browsers show here.
    if (Intl.DateTimeFormat().resolvedOptions().locale.startsWith('en-US')) expect(text).toBe('Wed, Dec 2, 10:30 PM EST');
    expect(text).toContain('EST');
    expect(formatDayHeading('2026-11-01', NEW_YORK)).toContain('November');
  });
});

import {
  addDays,
  isoWeekday,
  isValidTimeZone,
  parseCalendarDate,
  toLocalDisplay,
  wallTimeToInstant,
} from '@medspa/shared-types';

const at = (year: number, month: number, day: number, hour: number, minute = 0) => ({ year, month, day, hour, minute });

describe('zoned time (DST-correct, Intl only)', () => {
  it('uses EST before and EDT after the 2026-03-08 spring-forward in New York', () => {
    expect(wallTimeToInstant(at(2026, 3, 7, 9), 'America/New_York').toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(wallTimeToInstant(at(2026, 3, 8, 9), 'America/New_York').toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(wallTimeToInstant(at(2026, 3, 8, 1, 59), 'America/New_York').toISOString()).toBe('2026-03-08T06:59:00.000Z');
  });

  it('moves a wall time inside the spring-forward gap forward by the gap', () => {
    // 02:30 does not exist on 2026-03-08 in New York; 'compatible' reads it as 03:30 EDT.
    expect(wallTimeToInstant(at(2026, 3, 8, 2, 30), 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('picks the earlier instant for a time repeated at the 2026-11-01 fall-back', () => {
    expect(wallTimeToInstant(at(2026, 11, 1, 1, 30), 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(wallTimeToInstant(at(2026, 11, 1, 9), 'America/New_York').toISOString()).toBe('2026-11-01T14:00:00.000Z');
    expect(wallTimeToInstant(at(2026, 10, 31, 9), 'America/New_York').toISOString()).toBe('2026-10-31T13:00:00.000Z');
  });

  it('handles zones without DST and with half-hour offsets', () => {
    expect(wallTimeToInstant(at(2026, 7, 1, 9), 'America/Phoenix').toISOString()).toBe('2026-07-01T16:00:00.000Z');
    expect(wallTimeToInstant(at(2026, 7, 1, 9), 'Asia/Kolkata').toISOString()).toBe('2026-07-01T03:30:00.000Z');
  });

  it('displays instants with the local offset in force', () => {
    expect(toLocalDisplay(new Date('2026-11-01T05:30:00Z'), 'America/New_York')).toEqual({
      timeZone: 'America/New_York',
      date: '2026-11-01',
      time: '01:30',
      offset: '-04:00',
    });
    expect(toLocalDisplay(new Date('2026-11-01T06:30:00Z'), 'America/New_York').offset).toBe('-05:00');
    expect(toLocalDisplay(new Date('2026-07-01T03:30:00Z'), 'Asia/Kolkata').offset).toBe('+05:30');
  });

  it('validates zones and dates', () => {
    expect(isValidTimeZone('America/Chicago')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(() => parseCalendarDate('2026-02-30')).toThrow();
    expect(addDays(parseCalendarDate('2026-02-28'), 1)).toEqual({ year: 2026, month: 3, day: 1 });
    expect(isoWeekday(parseCalendarDate('2026-03-08'))).toBe(7);
    expect(isoWeekday(parseCalendarDate('2026-03-09'))).toBe(1);
  });
});

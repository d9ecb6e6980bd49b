import { nextDay, zonedMidnight } from './zonedDate.js';

describe('zonedMidnight', () => {
  it('finds midnight in the zone on ordinary days and on both US DST change days', () => {
    expect(zonedMidnight('2026-01-15', 'America/New_York').toISOString()).toBe('2026-01-15T05:00:00.000Z');
    // 2026-03-08: clocks spring forward at 2:00; midnight is still EST.
    expect(zonedMidnight('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(zonedMidnight('2026-03-09', 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    // 2026-11-01: clocks fall back at 2:00; midnight is still EDT.
    expect(zonedMidnight('2026-11-01', 'America/New_York').toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(zonedMidnight('2026-11-02', 'America/New_York').toISOString()).toBe('2026-11-02T05:00:00.000Z');
    expect(zonedMidnight('2026-07-04', 'America/Los_Angeles').toISOString()).toBe('2026-07-04T07:00:00.000Z');
    expect(zonedMidnight('2026-07-04', 'Pacific/Honolulu').toISOString()).toBe('2026-07-04T10:00:00.000Z');
  });

  it('counts days across month and year ends', () => {
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
  });
});

import { reminderInstants } from './appointmentNotices.js';

const wallClock = (instant: Date, timeZone: string): string =>
  new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(instant);

describe('reminder instants', () => {
  const longAgo = new Date('2026-01-01T00:00:00Z');

  it('are 24 and 1 elapsed hours before the start, across the March 8, 2026 spring-forward in New York', () => {
    // 10:00 EDT on Mar 8 is 14:00Z; 24 h earlier is 14:00Z on Mar 7 = 09:00 EST (not 10:00).
    const startsAt = new Date('2026-03-08T14:00:00Z');
    const [day, hour] = reminderInstants(startsAt, longAgo);
    expect(day).toEqual({ kind: 'reminder_24h', at: new Date('2026-03-07T14:00:00Z') });
    expect(hour).toEqual({ kind: 'reminder_1h', at: new Date('2026-03-08T13:00:00Z') });
    expect(wallClock(day?.at ?? longAgo, 'America/New_York')).toBe('Mar 7, 9:00 AM EST');
  });

  it('across the November 1, 2026 fall-back: 24 h before 09:00 EST is 10:00 EDT the day before', () => {
    const startsAt = new Date('2026-11-01T14:00:00Z');
    const [day, hour] = reminderInstants(startsAt, longAgo);
    expect(wallClock(day?.at ?? longAgo, 'America/New_York')).toBe('Oct 31, 10:00 AM EDT');
    // 1 h before 09:00 EST is 08:00 EST, still after the 02:00 -> 01:00 change.
    expect(wallClock(hour?.at ?? longAgo, 'America/New_York')).toBe('Nov 1, 8:00 AM EST');
  });

  it('an hour before 01:30 EST on Nov 1 is 01:30 EDT: the repeated hour is counted', () => {
    const startsAt = new Date('2026-11-01T06:30:00Z'); // 01:30 EST (second pass)
    const hour = reminderInstants(startsAt, longAgo).find((reminder) => reminder.kind === 'reminder_1h');
    expect(hour?.at.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(wallClock(hour?.at ?? longAgo, 'America/New_York')).toBe('Nov 1, 1:30 AM EDT');
  });

  it('leaves out reminders whose time has already passed', () => {
    const now = new Date('2026-12-02T12:00:00Z');
    expect(reminderInstants(new Date('2026-12-02T20:00:00Z'), now).map((reminder) => reminder.kind)).toEqual(['reminder_1h']);
    expect(reminderInstants(new Date('2026-12-02T12:30:00Z'), now)).toEqual([]);
  });
});

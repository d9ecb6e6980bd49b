import ICAL from 'ical.js';
import { buildCalendar, escapeText, foldLine } from './icsCalendar.js';
import type { CalendarEvent } from './icsCalendar.js';

const parsed = (event: CalendarEvent): ICAL.Component => new ICAL.Component(ICAL.parse(buildCalendar(event)) as unknown[]);

const event = {
  method: 'REQUEST' as const,
  uid: 'appointment-0f8e7d6c-1111-4222-8333-944445555666@clinic.example',
  sequence: 2,
  start: new Date('2026-12-03T03:30:00Z'),
  end: new Date('2026-12-03T04:00:00Z'),
  stamp: new Date('2026-12-02T12:00:00Z'),
  summary: 'Video appointment with Brookside Aesthetics, Ridge; Office',
  description: `Join: https://clinic.example/visit/0f8e7d6c-1111-4222-8333-944445555666?practice=brookside-aesthetics-and-wellness-of-the-valley`,
  url: 'https://clinic.example/visit/0f8e7d6c-1111-4222-8333-944445555666?practice=brookside',
  organizer: { name: 'Medspa Telehealth', email: 'no-reply@clinic.example' },
  attendee: { name: 'Zoë Ångström-Øster with a long name to fold across the line limit', email: 'zoe@example.test' },
};

describe('RFC 5545 calendar writer', () => {
  it('ends every line with CRLF and keeps each physical line within 75 octets (§3.1)', () => {
    const text = buildCalendar(event);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = text.split('\r\n').slice(0, -1);
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(lines.some((line) => line.startsWith(' '))).toBe(true);
  });

  it('folds without splitting a UTF-8 sequence and unfolds back to the original', () => {
    const line = `SUMMARY:${'é'.repeat(60)}${'😀'.repeat(20)}`;
    const folded = foldLine(line);
    for (const part of folded.split('\r\n')) {
      expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
      expect(part).not.toContain('\uFFFD');
    }
    expect(folded.replace(/\r\n /g, '')).toBe(line);
  });

  it('escapes TEXT values (§3.3.11)', () => {
    expect(escapeText('a\\b;c,d\ne')).toBe('a\\\\b\\;c\\,d\\ne');
  });

  it('parses with a real iCalendar parser: UTC DTSTART, UID, SEQUENCE, METHOD', () => {
    const calendar = parsed(event);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    const vevent = new ICAL.Event(calendar.getFirstSubcomponent('vevent') ?? undefined);
    expect(vevent.uid).toBe(event.uid);
    expect(vevent.sequence).toBe(2);
    expect(vevent.startDate.toJSDate().toISOString()).toBe('2026-12-03T03:30:00.000Z');
    expect(vevent.startDate.zone.tzid).toBe('UTC');
    expect(buildCalendar(event)).toContain('\r\nDTSTART:20261203T033000Z\r\n');
    expect(vevent.summary).toBe(event.summary);
    expect(vevent.description).toBe(event.description);
    const attendee = calendar.getFirstSubcomponent('vevent')?.getFirstProperty('attendee');
    expect(attendee?.getParameter('cn')).toBe(event.attendee.name);
  });

  it('writes METHOD:CANCEL with STATUS:CANCELLED', () => {
    const calendar = parsed({ ...event, method: 'CANCEL', sequence: 3 });
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(calendar.getFirstSubcomponent('vevent')?.getFirstPropertyValue('status')).toBe('CANCELLED');
  });
});

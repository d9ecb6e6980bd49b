/**
 * A minimal RFC 5545 iCalendar writer for one appointment, as an iTIP (RFC 5546) REQUEST
 * or CANCEL. Only what calendar clients need to place, move and remove the event: the
 * same UID for the life of the appointment and a SEQUENCE that grows with each change.
 */

/** RFC 5545 §3.1: content lines are delimited by CRLF. */
const CRLF = '\r\n';
/** RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break. */
const MAX_LINE_OCTETS = 75;

export interface CalendarEvent {
  /** iTIP method (RFC 5546 §1.4): REQUEST to add or update, CANCEL to remove. */
  method: 'REQUEST' | 'CANCEL';
  /** Globally unique and stable across updates (RFC 5545 §3.8.4.7). */
  uid: string;
  /** RFC 5545 §3.8.7.4: incremented on every significant revision. */
  sequence: number;
  start: Date;
  end: Date;
  /** When this revision was made (DTSTAMP, §3.8.7.2). */
  stamp: Date;
  summary: string;
  description: string;
  url: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
}

/** RFC 5545 §3.3.5 form 2, UTC: 19980119T070000Z. */
export function utcDateTime(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 5545 §3.3.11 TEXT escaping: backslash, semicolon, comma and line breaks. */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** A parameter value (CN) is quoted when it holds ":;," (RFC 5545 §3.2); DQUOTE itself cannot appear. */
function paramValue(text: string): string {
  const plain = text.replace(/"/g, "'");
  return /[:;,]/.test(plain) ? `"${plain}"` : plain;
}

/**
 * Folds one content line (RFC 5545 §3.1): at most 75 octets per physical line, each
 * continuation starting with a single space, never splitting a UTF-8 sequence.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  // The leading space of a continuation line counts toward its 75 octets.
  let limit = MAX_LINE_OCTETS;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = MAX_LINE_OCTETS - 1;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

/** The whole VCALENDAR object, CRLF-terminated lines, folded. */
export function buildCalendar(event: CalendarEvent): string {
  const cancelled = event.method === 'CANCEL';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Medspa Telehealth//Appointments//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${event.method}`,
    'BEGIN:VEVENT',
    `UID:${event.uid}`,
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${utcDateTime(event.stamp)}`,
    `DTSTART:${utcDateTime(event.start)}`,
    `DTEND:${utcDateTime(event.end)}`,
    `SUMMARY:${escapeText(event.summary)}`,
    `DESCRIPTION:${escapeText(event.description)}`,
    `LOCATION:${escapeText(event.url)}`,
    `URL:${event.url}`,
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    // RFC 5546 §3.2.2 / §3.2.5: REQUEST and CANCEL carry the organizer and the attendee.
    `ORGANIZER;CN=${paramValue(event.organizer.name)}:mailto:${event.organizer.email}`,
    `ATTENDEE;CN=${paramValue(event.attendee.name)};ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:${event.attendee.email}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join(CRLF) + CRLF;
}

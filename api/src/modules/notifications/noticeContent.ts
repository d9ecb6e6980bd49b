import type { OutgoingMail } from '../../mail/mailer.js';
import { buildCalendar } from './icsCalendar.js';

export const NOTICE_KINDS = ['confirmation', 'reschedule', 'cancellation', 'reminder_24h', 'reminder_1h'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Everything an appointment email may contain (minimum necessary, docs/hipaa.md): the
 * practice, the time, the links and the recipient's own first name. Deliberately no
 * appointment type, service, provider or anything clinical: the type is not even passed in.
 */
export interface NoticeFacts {
  kind: NoticeKind;
  appointmentId: string;
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  /** The patient's zone, so the time reads as on their clock. */
  timeZone: string;
  practiceName: string;
  recipient: { email: string; givenName: string };
  joinUrl: string;
  manageUrl: string;
  organizer: { name: string; email: string };
  /** Host part of the UID (RFC 5545 §3.8.4.7 suggests a domain name). */
  uidDomain: string;
  now: Date;
}

/** "Tue, Dec 2, 10:30 PM EST": the format every screen and email uses. */
export function formatForPerson(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(instant);
}

/** The stable calendar UID of an appointment: same for confirmation, update and cancel. */
export function calendarUid(appointmentId: string, domain: string): string {
  return `appointment-${appointmentId.toLowerCase()}@${domain}`;
}

/** Subject and body of one notice; confirmation, reschedule and cancellation carry an .ics. */
export function composeNotice(facts: NoticeFacts): OutgoingMail {
  const when = formatForPerson(facts.startsAt, facts.timeZone);
  const practice = facts.practiceName;
  const hello = `Hello ${facts.recipient.givenName},`;
  const join = `Join from this link at the time of your appointment (no app to install):\n${facts.joinUrl}`;
  const manage = `To reschedule or cancel, sign in at:\n${facts.manageUrl}`;
  let subject: string;
  let lines: string[];
  switch (facts.kind) {
    case 'confirmation':
      subject = `Your appointment with ${practice} is confirmed`;
      lines = [hello, `Your video appointment with ${practice} is booked for ${when}.`, join, manage];
      break;
    case 'reschedule':
      subject = `Your appointment with ${practice} has moved`;
      lines = [hello, `Your video appointment with ${practice} is now on ${when}.`, join, manage];
      break;
    case 'cancellation':
      subject = `Your appointment with ${practice} is cancelled`;
      lines = [hello, `Your video appointment with ${practice} on ${when} is cancelled.`, `To book another time, sign in at:\n${facts.manageUrl}`];
      break;
    case 'reminder_24h':
      subject = `Reminder: your appointment with ${practice} on ${when}`;
      lines = [hello, `This is a reminder of your video appointment with ${practice} on ${when}.`, join, manage];
      break;
    case 'reminder_1h':
      subject = `Starting soon: your appointment with ${practice}`;
      lines = [hello, `Your video appointment with ${practice} starts at ${when}.`, join];
      break;
  }
  const mail: OutgoingMail = { to: facts.recipient.email, subject, text: `${lines.join('\n\n')}\n` };
  if (facts.kind === 'confirmation' || facts.kind === 'reschedule' || facts.kind === 'cancellation') {
    const method = facts.kind === 'cancellation' ? 'CANCEL' : 'REQUEST';
    mail.calendar = {
      method,
      content: buildCalendar({
        method,
        uid: calendarUid(facts.appointmentId, facts.uidDomain),
        sequence: facts.sequence,
        start: facts.startsAt,
        end: facts.endsAt,
        stamp: facts.now,
        summary: `Video appointment with ${practice}`,
        description: `Join: ${facts.joinUrl}`,
        url: facts.joinUrl,
        organizer: facts.organizer,
        attendee: { name: facts.recipient.givenName, email: facts.recipient.email },
      }),
    };
  }
  return mail;
}

import type { OutgoingMail } from '../../mail/mailer.js';

/**
 * "Tuesday, December 2 at 10:30 AM Eastern Standard Time": the invitee's own zone is not
 * known, so the time is stated in the practice's zone with the zone's name in words.
 */
export function visitTimeInWords(instant: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone }).format(instant);
  const time = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone, timeZoneName: 'long' }).format(instant);
  return `${day} at ${time}`;
}

/**
 * The guest's link: the secret rides in the fragment, which browsers never send to a server,
 * so it stays out of the web server's access logs and Referer headers.
 */
export function guestLink(publicAppUrl: string, token: string): string {
  const url = new URL('/guest', publicAppUrl.endsWith('/') ? publicAppUrl : `${publicAppUrl}/`);
  url.hash = token;
  return url.toString();
}

/**
 * Minimum necessary (docs/hipaa.md): the recipient's own name, the practice's name, when,
 * and the link. Nothing about the patient (not even that there is one), the provider or the
 * reason for the visit.
 */
export function guestInvitationMail(input: { to: string; guestName: string; practiceName: string; when: string; link: string }): OutgoingMail {
  return {
    to: input.to,
    subject: `You are invited to a video visit with ${input.practiceName}`,
    text: [
      `Hello ${input.guestName},`,
      '',
      `${input.practiceName} has invited you to join a video visit on ${input.when}.`,
      'Open this link at that time to check your camera and join (no app to install). It works only for this visit and only for you:',
      input.link,
      '',
      'If you did not expect this email, you can ignore it.',
    ].join('\n'),
  };
}

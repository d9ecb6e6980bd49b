import type { EntityManager } from 'typeorm';
import type { OutgoingMail } from '../../mail/mailer.js';

/** The name people know the practice by: its branding name, else its legal name. */
export async function practiceDisplayName(manager: EntityManager, practiceId: string): Promise<string> {
  const rows = await manager.query<{ name: string }[]>(`SELECT COALESCE(branding_name, name) AS name FROM practices WHERE id = $1`, [
    practiceId,
  ]);
  return rows[0]?.name ?? 'Your practice';
}

/** A link into the app: PUBLIC_APP_URL + path, the token in the query string. */
export function appLink(publicAppUrl: string, path: string, token: string): string {
  const url = new URL(path, publicAppUrl.endsWith('/') ? publicAppUrl : `${publicAppUrl}/`);
  url.searchParams.set('token', token);
  return url.toString();
}

interface AccountMailInput {
  to: string;
  practiceName: string;
  givenName: string;
  link: string;
}

/**
 * Minimum necessary (issue 8, docs/hipaa.md): the practice name, the recipient's own first
 * name and the link. No role, no service name, nothing clinical.
 */
export function inviteMail(input: AccountMailInput): OutgoingMail {
  return {
    to: input.to,
    subject: `Your ${input.practiceName} account`,
    text: [
      `Hello ${input.givenName},`,
      '',
      `${input.practiceName} has set up an account for you. Choose your password here (the link works once, for 72 hours):`,
      input.link,
      '',
      'If you did not expect this email, you can ignore it.',
    ].join('\n'),
  };
}

/** Same minimum as inviteMail. */
export function passwordResetMail(input: AccountMailInput): OutgoingMail {
  return {
    to: input.to,
    subject: `Reset your ${input.practiceName} password`,
    text: [
      `Hello ${input.givenName},`,
      '',
      'Someone asked to reset your password. Choose a new one here (the link works once, for 30 minutes):',
      input.link,
      '',
      'If it was not you, ignore this email: your password stays the same.',
    ].join('\n'),
  };
}

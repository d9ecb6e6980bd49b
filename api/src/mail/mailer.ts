import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import type { Logger } from 'pino';

/** A calendar attachment (RFC 5545 text) sent as `text/calendar; method=...`. */
export interface CalendarPart {
  method: 'REQUEST' | 'CANCEL';
  content: string;
}

/**
 * One message. Minimum necessary (docs/hipaa.md): practice name, date/time, link and the
 * recipient's own name only; never a service name, clinical word or anyone else's PHI.
 */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  calendar?: CalendarPart;
}

/** Sends email; the one way the API reaches a person outside the app. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export interface MailerOptions {
  /** smtp:// or smtps:// URL; unset outside production = write .eml files to `outboxDir`. */
  smtpUrl: string | undefined;
  from: string;
  outboxDir: string;
  logger: Logger;
}

function messageOf(from: string, mail: OutgoingMail): SendMailOptions {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html === undefined ? {} : { html: mail.html }),
    ...(mail.calendar === undefined
      ? {}
      : {
          icalEvent: { method: mail.calendar.method, filename: 'invite.ics', content: mail.calendar.content },
        }),
  };
}

/**
 * SMTP when `smtpUrl` is set; otherwise a folder of .eml files a developer can open (the
 * embedded default). Logs name the message id and, for the outbox, the file: never the
 * recipient address, subject or body.
 */
export function createMailer(options: MailerOptions): Mailer {
  if (options.smtpUrl !== undefined) {
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      async send(mail) {
        const info = await transport.sendMail(messageOf(options.from, mail));
        options.logger.info({ messageId: info.messageId }, 'email sent');
      },
      close: () => {
        transport.close();
        return Promise.resolve();
      },
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let announced = false;
  return {
    async send(mail) {
      const info = await transport.sendMail(messageOf(options.from, mail));
      await mkdir(options.outboxDir, { recursive: true, mode: 0o700 });
      const file = path.join(options.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      if (!announced) {
        announced = true;
        // Console, not only the log: a newcomer running `npm start` needs to find the links.
        process.stdout.write(`email is not configured (SMTP_URL unset): messages are written to ${options.outboxDir}\n`);
      }
      options.logger.info({ file: path.basename(file) }, 'email written to outbox');
    },
    close: () => Promise.resolve(),
  };
}

import ICAL from 'ical.js';
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { initApp, shutdownApp } from '../../src/app.js';
import type { ApiApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { NOTICE_QUEUE } from '../../src/modules/notifications/appointmentNotices.js';
import { addDays, calendarDateAt, wallTimeToInstant } from '@medspa/shared-types';
import { bearer, loginAs } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import { PROVIDER_ZONE, setUpBookablePractice } from '../scheduling/schedulingFixtures.js';
import type { BookablePractice } from '../scheduling/schedulingFixtures.js';
import { startSmtpCapture } from '../support/smtpCapture.js';
import type { SmtpCapture } from '../support/smtpCapture.js';
import { LogCapture, startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

const APP_URL = 'https://clinic.example';
const PATIENT_ZONE = 'America/Los_Angeles';
const HOUR_MS = 3_600_000;

interface AppointmentBody {
  id: string;
  startsAt: string;
}

/** 10:00 (provider's clock) `days` from today, so both reminders are still ahead. */
function providerMorning(days: number, hour = 10): Date {
  const today = calendarDateAt(new Date(), PROVIDER_ZONE);
  return wallTimeToInstant({ ...addDays(today, days), hour, minute: 0 }, PROVIDER_ZONE);
}

function calendarOf(mail: ParsedMail): { raw: string; event: ICAL.Event; method: unknown } {
  const part = mail.attachments.find((attachment) => attachment.contentType.startsWith('text/calendar'));
  if (part === undefined) throw new Error('no text/calendar part');
  const raw = part.content.toString('utf8');
  const calendar = new ICAL.Component(ICAL.parse(raw) as unknown[]);
  const vevent = calendar.getFirstSubcomponent('vevent');
  if (vevent === null) throw new Error('no VEVENT');
  return { raw, event: new ICAL.Event(vevent), method: calendar.getFirstPropertyValue('method') };
}

/** Whether a message is about this appointment: its join link or its calendar UID names it. */
const mentions = (mail: ParsedMail, appointmentId: string): boolean =>
  (mail.text ?? '').includes(`/visit/${appointmentId}`) ||
  mail.attachments.some((part) => part.content.toString('utf8').includes(`appointment-${appointmentId}@`));

describe('appointment emails and reminders', () => {
  let smtp: SmtpCapture;
  let test: TestApi;
  let bookable: BookablePractice;
  let patient: LoggedIn;
  const extra: ApiApp[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    test = await startTestApi({ SMTP_URL: smtp.url, PUBLIC_APP_URL: APP_URL, JOBS_POLLING_SECONDS: '0.5' });
    bookable = await setUpBookablePractice(test);
    patient = await loginAs(test, bookable.practice.slug, 'patient', { givenName: 'Imogen', familyName: 'Farquharson' });
  }, 90_000);

  afterAll(async () => {
    for (const app of extra) await shutdownApp(app);
    await test.close();
    await smtp.close();
  });

  /** Another API process on the same database (its own pool, mailer and job worker). */
  async function anotherInstance(): Promise<ApiApp> {
    const app = await initApp(test.config, { databaseUrl: test.database.runtimeUrl, logger: createLogger({ level: 'silent', destination: new LogCapture() }) });
    extra.push(app);
    return app;
  }

  async function book(startsAt: Date, app = test.api.app): Promise<AppointmentBody> {
    const response = await request(app)
      .post('/v1/appointments')
      .set('authorization', bearer(patient))
      .send({
        appointmentTypeId: bookable.gfeTypeId,
        providerId: bookable.injector.userId,
        startsAt: startsAt.toISOString(),
        patientState: 'NY',
        patientTimeZone: PATIENT_ZONE,
      });
    if (response.status !== 201) throw new Error(`booking failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as AppointmentBody;
  }

  async function reminderJobs(appointmentId: string): Promise<{ kind: string; start_after: Date; state: string }[]> {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ kind: string; start_after: Date; state: string }>(
        `SELECT data->>'kind' AS kind, start_after, state FROM pgboss.job
          WHERE name = $1 AND data->>'appointmentId' = $2 AND data->>'kind' LIKE 'reminder%' ORDER BY start_after`,
        [NOTICE_QUEUE, appointmentId],
      ),
    );
    return result.rows;
  }

  /** Moves an appointment's queued reminders to now: the queue's clock, not the test's, is shifted. */
  async function makeRemindersDue(appointmentId: string): Promise<void> {
    await asOwner(test.database.url, (client) =>
      client.query(
        `UPDATE pgboss.job SET start_after = now() WHERE name = $1 AND state = 'created' AND data->>'appointmentId' = $2`,
        [NOTICE_QUEUE, appointmentId],
      ),
    );
  }

  async function waitForJobsDone(appointmentId: string): Promise<void> {
    for (let attempt = 0; attempt < 120; attempt += 1) {
      const jobs = await reminderJobs(appointmentId);
      if (jobs.length > 0 && jobs.every((job) => job.state === 'completed')) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error('reminder jobs did not complete');
  }

  it('confirms, moves and cancels with one calendar event: same UID, growing SEQUENCE, REQUEST then CANCEL', async () => {
    const startsAt = providerMorning(3);
    const appointment = await book(startsAt);
    const confirmation = await smtp.waitFor((mail) => mentions(mail, appointment.id) && (mail.subject ?? '').includes('is confirmed'));
    expect(confirmation.subject).toBe(`Your appointment with ${bookable.practice.name} is confirmed`);
    const when = new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: PATIENT_ZONE, timeZoneName: 'short' }).format(startsAt);
    expect(confirmation.text).toContain(when);
    expect(when).toMatch(/^[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}, \d{1,2}:\d{2} [AP]M P[SD]T$/);
    expect(confirmation.text).toContain(`${APP_URL}/visit/${appointment.id}?practice=${bookable.practice.slug}`);
    const invite = calendarOf(confirmation);
    expect(invite.method).toBe('REQUEST');
    expect(invite.event.sequence).toBe(0);
    expect(invite.event.startDate.toJSDate().toISOString()).toBe(startsAt.toISOString());
    expect(invite.raw).toMatch(/\r\nDTSTART:\d{8}T\d{6}Z\r\n/);
    expect(invite.raw.replace(/\r\n/g, '')).not.toMatch(/\n/);
    for (const line of invite.raw.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);

    const movedTo = providerMorning(4, 11);
    await request(test.api.app)
      .post(`/v1/appointments/${appointment.id}/reschedule`)
      .set('authorization', bearer(patient))
      .send({ startsAt: movedTo.toISOString() })
      .expect(200);
    const moved = await smtp.waitFor((mail) => mentions(mail, appointment.id) && (mail.subject ?? '').includes('has moved'));
    const update = calendarOf(moved);
    expect(update.method).toBe('REQUEST');
    expect(update.event.uid).toBe(invite.event.uid);
    expect(update.event.sequence).toBe(1);
    expect(update.event.startDate.toJSDate().toISOString()).toBe(movedTo.toISOString());

    await request(test.api.app).post(`/v1/appointments/${appointment.id}/cancel`).set('authorization', bearer(patient)).expect(200);
    const cancelled = await smtp.waitFor((mail) => mentions(mail, appointment.id) && (mail.subject ?? '').includes('is cancelled'));
    const cancel = calendarOf(cancelled);
    expect(cancel.method).toBe('CANCEL');
    expect(cancel.event.uid).toBe(invite.event.uid);
    expect(cancel.event.sequence).toBe(2);

    // Minimum necessary: practice, time, links and the recipient's first name; nothing else.
    const injector = bookable.injector.user;
    // Whole words, case-insensitive for words, exact for acronyms (so "example.test" is no "exam").
    const forbidden = [
      /good faith/i, /\bGFE\b/, /\bexam(s|ination)?\b/i, /consult/i, /treatment/i, /neuromodulator/i, /botox/i, /filler/i, /injector/i, /\bNP\b/,
      /clinical/i, /diagnos/i, /\bNY\b/, /new york/i, new RegExp(patient.user.familyName, 'i'), new RegExp(injector.givenName, 'i'),
      new RegExp(injector.familyName, 'i'),
    ];
    for (const mail of [confirmation, moved, cancelled]) {
      const everything = [mail.subject ?? '', mail.text ?? '', typeof mail.html === 'string' ? mail.html : '', ...mail.attachments.map((part) => part.content.toString('utf8'))].join('\n');
      expect(everything).toContain('Imogen');
      for (const word of forbidden) expect(everything).not.toMatch(word);
    }
  }, 60_000);

  it('queues the reminders at exactly 24 h and 1 h before the start (instants, so DST-safe)', async () => {
    const startsAt = providerMorning(5);
    const appointment = await book(startsAt);
    const jobs = await reminderJobs(appointment.id);
    expect(jobs.map((job) => [job.kind, job.start_after.toISOString()])).toEqual([
      ['reminder_24h', new Date(startsAt.getTime() - 24 * HOUR_MS).toISOString()],
      ['reminder_1h', new Date(startsAt.getTime() - HOUR_MS).toISOString()],
    ]);
  });

  it('sends each reminder once with two API instances on one database, and none for a cancelled visit', async () => {
    const second = await anotherInstance();
    const kept = await book(providerMorning(6), second.app);
    const dropped = await book(providerMorning(6, 14));
    await request(test.api.app).post(`/v1/appointments/${dropped.id}/cancel`).set('authorization', bearer(patient)).expect(200);

    // Both instances race on the same notice directly as well: the unique key lets one send.
    const sequence = 0;
    const job = { practiceId: bookable.practice.id, appointmentId: kept.id, kind: 'reminder_24h' as const, sequence };
    const results = await Promise.all([
      test.api.services.notices.deliver('race-a', job),
      second.services.notices.deliver('race-b', job),
    ]);
    expect(results.sort()).toEqual(['duplicate', 'sent']);

    await makeRemindersDue(kept.id);
    await makeRemindersDue(dropped.id);
    await waitForJobsDone(kept.id);
    await waitForJobsDone(dropped.id);
    const reminders = (id: string) => smtp.messages.filter((mail) => mentions(mail, id) && /Reminder|Starting soon/.test(mail.subject ?? ''));
    expect(reminders(kept.id).map((mail) => mail.subject?.startsWith('Reminder') === true ? '24h' : '1h').sort()).toEqual(['1h', '24h']);
    expect(reminders(dropped.id)).toEqual([]);
    const recorded = await asOwner(test.database.url, (client) =>
      client.query<{ kind: string }>(`SELECT kind FROM appointment_notices WHERE appointment_id = $1 ORDER BY kind`, [kept.id]),
    );
    expect(recorded.rows.map((row) => row.kind)).toEqual(['confirmation', 'reminder_1h', 'reminder_24h']);
  }, 60_000);

  it('drops the reminders of a time the visit was moved away from, and reminds at the new time', async () => {
    const first = providerMorning(8);
    const appointment = await book(first);
    const movedTo = providerMorning(9, 15);
    await request(test.api.app)
      .post(`/v1/appointments/${appointment.id}/reschedule`)
      .set('authorization', bearer(patient))
      .send({ startsAt: movedTo.toISOString() })
      .expect(200);
    const jobs = await reminderJobs(appointment.id);
    expect(jobs.map((job) => job.start_after.toISOString()).sort()).toEqual(
      [first.getTime() - 24 * HOUR_MS, first.getTime() - HOUR_MS, movedTo.getTime() - 24 * HOUR_MS, movedTo.getTime() - HOUR_MS]
        .map((ms) => new Date(ms).toISOString())
        .sort(),
    );
    await makeRemindersDue(appointment.id);
    await waitForJobsDone(appointment.id);
    const reminders = smtp.messages.filter((mail) => mentions(mail, appointment.id) && /Reminder|Starting soon/.test(mail.subject ?? ''));
    // Two reminders, both for the new time (the old time's jobs found the visit moved).
    expect(reminders).toHaveLength(2);
    const when = new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: PATIENT_ZONE, timeZoneName: 'short' }).format(movedTo);
    for (const mail of reminders) expect(mail.text).toContain(when);
  }, 60_000);

  it('keeps queued reminders across a restart: a new instance sends them', async () => {
    const appointment = await book(providerMorning(7));
    for (const app of extra.splice(0)) await shutdownApp(app);
    await shutdownApp(test.api);
    expect((await reminderJobs(appointment.id)).map((job) => job.state)).toEqual(['created', 'created']);
    const restarted = await anotherInstance();
    // Later tests (and close()) use the live instance.
    test.api = restarted;
    await makeRemindersDue(appointment.id);
    await waitForJobsDone(appointment.id);
    const reminders = smtp.messages.filter((mail) => mentions(mail, appointment.id) && /Reminder|Starting soon/.test(mail.subject ?? ''));
    expect(reminders).toHaveLength(2);
  }, 60_000);
});

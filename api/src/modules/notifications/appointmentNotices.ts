import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { Mailer } from '../../mail/mailer.js';
import type { NoticeKind } from './noticeContent.js';
import { NOTICE_KINDS, composeNotice } from './noticeContent.js';

/** The one queue every appointment email goes through, so each is durable and retried. */
export const NOTICE_QUEUE = 'appointment-email';
const HOUR_MS = 3_600_000;

/** Reminders before the start, computed on instants: 24 h is 24 elapsed hours across DST. */
export const REMINDER_OFFSETS: readonly { kind: Extract<NoticeKind, 'reminder_24h' | 'reminder_1h'>; beforeMs: number }[] = [
  { kind: 'reminder_24h', beforeMs: 24 * HOUR_MS },
  { kind: 'reminder_1h', beforeMs: HOUR_MS },
];

/** When each reminder of a visit starting at `startsAt` is due; reminders already past are left out. */
export function reminderInstants(startsAt: Date, now: Date): { kind: NoticeKind; at: Date }[] {
  return REMINDER_OFFSETS.map(({ kind, beforeMs }) => ({ kind, at: new Date(startsAt.getTime() - beforeMs) })).filter(
    ({ at }) => at.getTime() > now.getTime(),
  );
}

const noticeJobSchema = z.strictObject({
  practiceId: z.uuid(),
  appointmentId: z.uuid(),
  kind: z.enum(NOTICE_KINDS),
  sequence: z.number().int().min(0),
});
export type NoticeJob = z.infer<typeof noticeJobSchema>;

export interface NoticeServiceOptions {
  /** Connection for pg-boss: the API's runtime login (it only reads and writes job rows). */
  connectionString: string;
  schema: string;
  dataSource: DataSource;
  mailer: Mailer;
  logger: Logger;
  publicAppUrl: string;
  mailFrom: string;
  /** How often idle workers look for due jobs. */
  pollingIntervalSeconds: number;
}

interface NoticeRow {
  patient_id: string;
  status: string;
  starts_at: Date;
  ends_at: Date;
  calendar_sequence: number;
  patient_time_zone: string;
  email: string;
  given_name: string;
  practice_name: string;
  practice_slug: string;
}

/** Sent notices are the system's own act: no user is the actor. */
const WORKER_CONTEXT: Omit<RequestContext, 'requestId'> = { ip: null, userAgent: 'appointment-email-worker', auth: null };

/** The address inside `Name <address>` (or the whole value when it is a bare address). */
function addressOf(from: string): { name: string; email: string } {
  const match = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(from);
  return match === null ? { name: from, email: from } : { name: match[1] ?? '', email: match[2] ?? from };
}

/** Whether the appointment, as it is now, still wants this notice (checked at send time). */
function stillWanted(job: NoticeJob, row: NoticeRow): boolean {
  if (row.calendar_sequence !== job.sequence) return false;
  const active = row.status === 'booked' || row.status === 'checked_in';
  return job.kind === 'cancellation' ? row.status === 'cancelled' : active;
}

/**
 * Appointment emails as durable pg-boss jobs in PostgreSQL: confirmation, reschedule and
 * cancellation right away, reminders 24 h and 1 h before the start. Jobs survive restarts
 * (they are rows), any API instance may run them, and each email goes out at most once:
 * the send happens inside a transaction that first inserts the notice's unique key
 * (appointment, kind, calendar sequence) into appointment_notices; a second runner of the
 * same notice finds the key taken and sends nothing. A moved or cancelled visit has a new
 * sequence, so its older reminders find themselves stale at send time and are dropped.
 */
export class AppointmentNotices {
  readonly #boss: PgBoss;
  readonly #options: NoticeServiceOptions;
  #started = false;

  constructor(options: NoticeServiceOptions) {
    this.#options = options;
    this.#boss = new PgBoss({
      connectionString: options.connectionString,
      schema: options.schema,
      max: 3,
      application_name: 'medspa-api-jobs',
      // The schema and queue are installed by a migration as the owner
      // (1764600900200-JobQueueSchema.ts): the runtime login has no CREATE rights.
      migrate: false,
    });
    this.#boss.on('error', (error) => {
      options.logger.error({ err: error.message }, 'job queue error');
    });
  }

  /**
   * Starts this instance's worker on the queue the migration created ('short' policy: at
   * most one queued job per singleton key, so instances that both schedule the same notice
   * enqueue it once).
   */
  async start(): Promise<void> {
    await this.#boss.start();
    await this.#boss.work<NoticeJob>(
      NOTICE_QUEUE,
      { pollingIntervalSeconds: this.#options.pollingIntervalSeconds, batchSize: 5 },
      async (jobs) => {
        for (const job of jobs) await this.deliver(job.id, noticeJobSchema.parse(job.data));
      },
    );
    this.#started = true;
  }

  /** Stops polling and waits for running sends. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    await this.#boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }

  /**
   * Queues what a just-committed change calls for: the notice itself now and, unless the
   * visit was cancelled, its reminders at their instants. Called after commit, so a
   * rolled-back booking queues nothing; a failure to queue is logged, never undoes the booking.
   */
  async afterChange(practiceId: string, appointmentId: string, kind: Extract<NoticeKind, 'confirmation' | 'reschedule' | 'cancellation'>, now = new Date()): Promise<void> {
    try {
      const rows = await withTenant(this.#options.dataSource, practiceId, (manager) =>
        manager.query<{ starts_at: Date; calendar_sequence: number }[]>(
          `SELECT starts_at, calendar_sequence FROM appointments WHERE id = $1`,
          [appointmentId],
        ),
      );
      const row = rows[0];
      if (row === undefined) return;
      const base = { practiceId, appointmentId, sequence: row.calendar_sequence };
      await this.#enqueue({ ...base, kind }, now);
      if (kind === 'cancellation') return;
      for (const reminder of reminderInstants(row.starts_at, now)) {
        await this.#enqueue({ ...base, kind: reminder.kind }, reminder.at);
      }
    } catch (error) {
      this.#options.logger.error({ err: error instanceof Error ? error.message : 'unknown' }, 'appointment email could not be queued');
    }
  }

  async #enqueue(job: NoticeJob, startAfter: Date): Promise<void> {
    await this.#boss.send(NOTICE_QUEUE, job, {
      singletonKey: `${job.appointmentId}:${job.kind}:${job.sequence}`,
      startAfter,
    });
  }

  /**
   * Sends one notice if it is still wanted and not yet sent. Returns what happened; a mail
   * failure throws (the transaction, and so the "sent" mark, rolls back and pg-boss retries).
   */
  async deliver(jobId: string, job: NoticeJob): Promise<'sent' | 'stale' | 'duplicate'> {
    const { dataSource, mailer, publicAppUrl, mailFrom } = this.#options;
    return withTenant(dataSource, job.practiceId, async (manager): Promise<'sent' | 'stale' | 'duplicate'> => {
      const row = await loadNoticeRow(manager, job.appointmentId);
      if (row === null || !stillWanted(job, row)) return 'stale';
      const claimed = await manager.query<unknown[]>(
        `INSERT INTO appointment_notices (practice_id, appointment_id, kind, calendar_sequence)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
        [job.practiceId, job.appointmentId, job.kind, job.sequence],
      );
      if (claimed.length === 0) return 'duplicate';
      const practiceQuery = `?practice=${encodeURIComponent(row.practice_slug)}`;
      const mail = composeNotice({
        kind: job.kind,
        appointmentId: job.appointmentId,
        sequence: job.sequence,
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        timeZone: row.patient_time_zone,
        practiceName: row.practice_name,
        recipient: { email: row.email, givenName: row.given_name },
        joinUrl: new URL(`/visit/${job.appointmentId}${practiceQuery}`, publicAppUrl).toString(),
        manageUrl: new URL(`/practices/${encodeURIComponent(row.practice_slug)}/sign-in`, publicAppUrl).toString(),
        organizer: addressOf(mailFrom),
        uidDomain: new URL(publicAppUrl).hostname,
        now: new Date(),
      });
      await recordAudit(manager, job.practiceId, { ...WORKER_CONTEXT, requestId: jobId }, {
        action: 'appointment.notice_sent',
        entityType: 'appointment',
        entityId: job.appointmentId,
        patientId: row.patient_id,
        actorUserId: null,
        actorRole: 'system',
        metadata: { kind: job.kind, sequence: job.sequence },
      });
      await mailer.send(mail);
      return 'sent';
    });
  }
}

async function loadNoticeRow(manager: EntityManager, appointmentId: string): Promise<NoticeRow | null> {
  // Row-locked: a concurrent reschedule or cancel waits, so the check and the send agree.
  const rows = await manager.query<NoticeRow[]>(
    `SELECT a.patient_id, a.status, a.starts_at, a.ends_at, a.calendar_sequence, a.patient_time_zone, u.email, u.given_name,
            coalesce(p.branding_name, p.name) AS practice_name, p.slug AS practice_slug
       FROM appointments a
       JOIN users u ON u.practice_id = a.practice_id AND u.id = a.patient_id
       JOIN practices p ON p.id = a.practice_id
      WHERE a.id = $1
      FOR UPDATE OF a`,
    [appointmentId],
  );
  return rows[0] ?? null;
}

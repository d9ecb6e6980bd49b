import type { SfuRoomEvent } from '@medspa/shared-types';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { STALE_AFTER_MS } from './waitingRoomBoard.js';
import type { WaitingEntry, WaitingRoomBoard } from './waitingRoomBoard.js';

const entrySchema = z.object({
  practiceId: z.string(),
  appointmentId: z.string(),
  patientUserId: z.string(),
  waitingSince: z.string(),
});

/** How long an admission is remembered: longer than any visit, so a rejoin is never re-announced. */
const ADMITTED_TTL_SECONDS = 12 * 3600;

const waitingKey = (practiceId: string): string => `medspa:waiting:${practiceId}`;
const admittedKey = (appointmentId: string, patientUserId: string): string => `medspa:waiting:admitted:${appointmentId}:${patientUserId}`;

/**
 * A join only counts as waiting when the patient was not admitted already; check and write
 * in one script so an admission racing a rejoin (two API instances) can never resurrect an alert.
 */
const JOIN_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/**
 * The waiting board shared by every API instance through Redis (issue 12): the SFU's room
 * events reach whichever instance its gateway called, while staff may poll any other. One
 * hash per practice (field `<appointment>:<patient>`, identifiers only, never names) and one
 * expiring key per admission.
 */
export class RedisWaitingRoomBoard implements WaitingRoomBoard {
  readonly #redis: Redis;

  constructor(url: string, logger: Logger) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 2 });
    this.#redis.on('error', (error: Error) => {
      logger.warn({ reason: error.message }, 'redis connection problem (waiting room board)');
    });
  }

  async observe(event: SfuRoomEvent): Promise<void> {
    if (event.role !== 'patient') return;
    const field = `${event.appointmentId}:${event.userId}`;
    if (event.type === 'room.join') {
      const entry: WaitingEntry = {
        practiceId: event.practiceId,
        appointmentId: event.appointmentId,
        patientUserId: event.userId,
        waitingSince: event.occurredAt,
      };
      await this.#redis.eval(JOIN_SCRIPT, 2, waitingKey(event.practiceId), admittedKey(event.appointmentId, event.userId), field, JSON.stringify(entry), STALE_AFTER_MS);
    } else if (event.type === 'room.leave') {
      await this.#redis.hdel(waitingKey(event.practiceId), field);
    }
  }

  async admitted(practiceId: string, appointmentId: string, patientUserId: string): Promise<void> {
    await this.#redis
      .multi()
      .set(admittedKey(appointmentId, patientUserId), '1', 'EX', ADMITTED_TTL_SECONDS)
      .hdel(waitingKey(practiceId), `${appointmentId}:${patientUserId}`)
      .exec();
  }

  async waiting(practiceId: string): Promise<WaitingEntry[]> {
    const cutoff = Date.now() - STALE_AFTER_MS;
    const fields = await this.#redis.hgetall(waitingKey(practiceId));
    const entries: WaitingEntry[] = [];
    const stale: string[] = [];
    for (const [field, raw] of Object.entries(fields)) {
      const parsed = entrySchema.safeParse(JSON.parse(raw));
      if (!parsed.success || Date.parse(parsed.data.waitingSince) < cutoff) stale.push(field);
      else entries.push(parsed.data);
    }
    if (stale.length > 0) await this.#redis.hdel(waitingKey(practiceId), ...stale);
    return entries.sort((a, b) => a.waitingSince.localeCompare(b.waitingSince));
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => undefined);
  }
}

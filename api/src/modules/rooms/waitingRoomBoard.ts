import type { SfuRoomEvent } from '@medspa/shared-types';

/** One patient in a visit's waiting room, identifiers only (names are looked up, audited, on read). */
export interface WaitingEntry {
  practiceId: string;
  appointmentId: string;
  patientUserId: string;
  waitingSince: string;
}

/**
 * Who is waiting in which visit room, fed by the SFU's room events (POST
 * /internal/sfu/room-events) and admission decisions. An interface so the source can be
 * swapped: this process's memory (one API instance), or Redis when several API instances
 * share it (redisWaitingRoomBoard.ts).
 */
export interface WaitingRoomBoard {
  /** A room event the SFU reported (after it was audited). */
  observe: (event: SfuRoomEvent) => Promise<void>;
  /** The API admitted the patient of a visit: they are no longer waiting. */
  admitted: (practiceId: string, appointmentId: string, patientUserId: string) => Promise<void>;
  /** Everyone waiting in a practice's rooms, longest wait first. */
  waiting: (practiceId: string) => Promise<WaitingEntry[]>;
  /** Releases connections (shutdown). */
  close: () => Promise<void>;
}

/** How long a never-admitted, never-left entry survives (a lost leave event must not alert forever). */
export const STALE_AFTER_MS = 2 * 3_600_000;

/** The waiting board in this process's memory (single API instance). */
export class InMemoryWaitingRoomBoard implements WaitingRoomBoard {
  readonly #entries = new Map<string, WaitingEntry>();
  /** Patients admitted to a room: a rejoin after a drop goes straight back in, not to the waiting room. */
  readonly #admitted = new Set<string>();

  observe(event: SfuRoomEvent): Promise<void> {
    if (event.role !== 'patient') return Promise.resolve();
    const key = `${event.appointmentId}:${event.userId}`;
    if (event.type === 'room.join' && !this.#admitted.has(key)) {
      this.#entries.set(key, {
        practiceId: event.practiceId,
        appointmentId: event.appointmentId,
        patientUserId: event.userId,
        waitingSince: event.occurredAt,
      });
    } else if (event.type === 'room.leave') {
      this.#entries.delete(key);
    }
    return Promise.resolve();
  }

  admitted(_practiceId: string, appointmentId: string, patientUserId: string): Promise<void> {
    const key = `${appointmentId}:${patientUserId}`;
    this.#entries.delete(key);
    this.#admitted.add(key);
    return Promise.resolve();
  }

  waiting(practiceId: string): Promise<WaitingEntry[]> {
    const cutoff = Date.now() - STALE_AFTER_MS;
    for (const [key, entry] of this.#entries) {
      if (Date.parse(entry.waitingSince) < cutoff) this.#entries.delete(key);
    }
    return Promise.resolve(
      [...this.#entries.values()].filter((entry) => entry.practiceId === practiceId).sort((a, b) => a.waitingSince.localeCompare(b.waitingSince)),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

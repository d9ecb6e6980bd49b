import { ROOM_OPENS_MINUTES_BEFORE, VISIT_END_OUTCOMES } from '@medspa/shared-types';
import type { VisitEndOutcome } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { conflict, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess } from '../../kernel/index.js';
import { isProviderRole } from '../licensure/access.js';

export const endVisitInputSchema = z.strictObject({ outcome: z.enum(VISIT_END_OUTCOMES) });
export type EndVisitInput = z.infer<typeof endVisitInputSchema>;

/** What the provider's room shows after ending, and what the SFU is then asked to close. */
export interface EndedVisit {
  appointmentId: string;
  status: 'completed' | 'no_show';
  outcome: VisitEndOutcome;
  endedAt: string;
}

/** "Ended early" is a completed visit that was cut short; only a no-show changes the status differently. */
const STATUS_OF: Record<VisitEndOutcome, EndedVisit['status']> = {
  completed: 'completed',
  ended_early: 'completed',
  no_show: 'no_show',
};

interface EndRow {
  id: string;
  patient_id: string;
  provider_id: string;
  status: string;
  starts_at: Date;
}

/**
 * The provider of the visit ends it from the room with an outcome: the appointment moves to
 * completed (completed / ended early) or no_show, and the outcome, time and provider are
 * recorded, audited as appointment.end in the same transaction. Anyone but the visit's
 * provider gets 404 (ids reveal nothing); a visit whose room has not opened yet, or one
 * already closed, gets 409.
 */
export async function endVisit(
  dataSource: DataSource,
  context: RequestContext,
  appointmentId: string,
  input: EndVisitInput,
  now = new Date(),
): Promise<EndedVisit> {
  return auditedAccess<EndedVisit>(
    dataSource,
    context,
    {
      action: 'appointment.end',
      entityType: 'appointment',
      entityId: appointmentId,
      careTeam: false,
      locatePatient: async (tx) => {
        const rows = await tx.query<{ patient_id: string }[]>('SELECT patient_id FROM appointments WHERE id = $1', [appointmentId]);
        const row = rows[0];
        if (row === undefined) throw notFound('appointment_not_found', 'No such appointment');
        return row.patient_id;
      },
      metadataOf: (ended) => ({ outcome: ended.outcome }),
    },
    async (tx, { caller }) => {
      const rows = await tx.query<EndRow[]>(
        'SELECT id, patient_id, provider_id, status, starts_at FROM appointments WHERE id = $1 FOR UPDATE',
        [appointmentId],
      );
      const row = rows[0];
      if (row?.provider_id !== caller.userId || !isProviderRole(caller.role)) {
        throw notFound('appointment_not_found', 'No such appointment');
      }
      if (!['booked', 'checked_in', 'in_progress'].includes(row.status)) {
        throw conflict('appointment_not_active', 'This visit is already closed or cancelled');
      }
      if (now.getTime() < row.starts_at.getTime() - ROOM_OPENS_MINUTES_BEFORE * 60_000) {
        throw conflict('visit_not_started', 'The visit room has not opened yet');
      }
      const status = STATUS_OF[input.outcome];
      await tx.query(
        `UPDATE appointments SET status = $2, visit_outcome = $3, ended_at = $4, ended_by = $5, updated_at = now() WHERE id = $1`,
        [appointmentId, status, input.outcome, now, caller.userId],
      );
      return { appointmentId, status, outcome: input.outcome, endedAt: now.toISOString() };
    },
  );
}

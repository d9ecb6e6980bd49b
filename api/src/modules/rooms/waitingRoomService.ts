import type { SfuRoomEvent, WaitingPatientAlert } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess, callerOf } from '../../kernel/index.js';
import { isProviderRole } from '../licensure/access.js';
import type { LiveNudges } from '../live/liveUpdates.js';
import type { WaitingRoomBoard } from './waitingRoomBoard.js';

const VISIT_NAMES: Record<string, string> = {
  gfe: 'Good Faith Exam',
  virtual_consult: 'Virtual consult',
  follow_up: 'Follow-up visit',
  treatment: 'Treatment',
};

interface AlertRow {
  id: string;
  patient_id: string;
  provider_id: string;
  kind: string;
  starts_at: Date;
  status: string;
  given_name: string;
  family_name: string;
}

/**
 * The live "patient waiting" alert of the schedule screen: who is in which visit's waiting
 * room now, with the patient's name and the plain visit name. An injector sees their own
 * visits; the medical director, front desk and admin the whole practice. Nobody waiting
 * means no database read at all; otherwise each patient whose name is shown gets a
 * waiting_room.read audit event (so it appears in their "who viewed my record").
 */
export async function listWaitingPatients(dataSource: DataSource, context: RequestContext, board: WaitingRoomBoard): Promise<WaitingPatientAlert[]> {
  const caller = callerOf(context);
  const entries = await board.waiting(caller.practiceId);
  if (entries.length === 0) return [];
  return auditedAccess(
    dataSource,
    context,
    {
      action: 'waiting_room.read',
      entityType: 'waiting_room',
      careTeam: false,
      locatePatient: () => Promise.resolve(null),
      metadataOf: (alerts) => ({ count: alerts.length }),
    },
    async (tx) => {
      const rows = await tx.query<AlertRow[]>(
        `SELECT a.id, a.patient_id, a.provider_id, a.kind, a.starts_at, a.status, u.given_name, u.family_name
         FROM appointments a JOIN users u ON u.id = a.patient_id
         WHERE a.id = ANY($1::uuid[])`,
        [entries.map((entry) => entry.appointmentId)],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      const alerts: WaitingPatientAlert[] = [];
      for (const entry of entries) {
        const row = byId.get(entry.appointmentId);
        if (row?.patient_id !== entry.patientUserId) continue;
        if (!['booked', 'checked_in', 'in_progress'].includes(row.status)) continue;
        if (caller.role === 'injector' && row.provider_id !== caller.userId) continue;
        if (!isProviderRole(caller.role) && !['front_desk', 'admin'].includes(caller.role)) continue;
        await recordAudit(tx, caller.practiceId, context, {
          action: 'waiting_room.read',
          entityType: 'appointment',
          entityId: row.id,
          patientId: row.patient_id,
        });
        alerts.push({
          appointmentId: row.id,
          patientName: `${row.given_name} ${row.family_name}`,
          visitName: VISIT_NAMES[row.kind] ?? 'Visit',
          startsAt: row.starts_at.toISOString(),
          waitingSince: entry.waitingSince,
        });
      }
      return alerts;
    },
  );
}

/**
 * Feeds an SFU room event to the waiting board and, when a patient joined or left, nudges the
 * practice's live schedule screens (on every API instance) to fetch the list again.
 */
export async function observeWaiting(board: WaitingRoomBoard, live: LiveNudges, event: SfuRoomEvent): Promise<void> {
  await board.observe(event);
  if (event.role === 'patient' && (event.type === 'room.join' || event.type === 'room.leave')) live.waitingChanged(event.practiceId);
}

/** The patient was admitted: off the board, and the practice's schedule screens drop the alert. */
export async function admitWaitingPatient(
  board: WaitingRoomBoard,
  live: LiveNudges,
  visit: { practiceId: string; appointmentId: string; patientUserId: string },
): Promise<void> {
  await board.admitted(visit.practiceId, visit.appointmentId, visit.patientUserId);
  live.waitingChanged(visit.practiceId);
}

import type { AdmissionCheckRequest, AdmissionCheckResult, AdmissionRefusalReason, SfuRoomEvent } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { checkAdmission } from '../scheduling/admission.js';
import { appointmentFacts } from '../scheduling/appointments.js';
import { invitationById, markAdmitted } from '../invitations/invitationStore.js';

/** The actor's practice role for the audit row (the SFU only knows patient/provider). */
async function roleOf(manager: EntityManager, userId: string): Promise<string | null> {
  const rows = await manager.query<{ role: string }[]>('SELECT role FROM users WHERE id = $1', [userId]);
  return rows[0]?.role ?? null;
}

/**
 * Decides whether the provider may admit the patient now (current telehealth consent, a
 * license valid in the patient's state for the visit, an active appointment inside its
 * window; see scheduling/admission.ts) and audits the decision as room.admit or
 * room.admit_refused in the same transaction as the reads it rests on.
 */
export async function decideAdmission(
  dataSource: DataSource,
  context: RequestContext,
  request: AdmissionCheckRequest,
): Promise<AdmissionCheckResult> {
  if (request.participantRole === 'guest') return decideGuestAdmission(dataSource, context, request);
  return withTenant(dataSource, request.practiceId, async (manager) => {
    const facts = await appointmentFacts(manager, request.appointmentId);
    let refusal: AdmissionRefusalReason | null = null;
    if (facts === null) {
      refusal = 'appointment_not_found';
    } else if (facts.patientId !== request.patientUserId || facts.providerId !== request.providerUserId) {
      // Tokens bind users to the room, but the admitting pair must also be this visit's pair.
      refusal = 'not_appointment_participant';
    } else {
      const decision = await checkAdmission(manager, { appointmentId: request.appointmentId, at: new Date() });
      if (!decision.ok) refusal = decision.reason;
    }
    await recordAudit(manager, request.practiceId, context, {
      action: refusal === null ? 'room.admit' : 'room.admit_refused',
      outcome: refusal === null ? 'success' : 'denied',
      entityType: 'appointment',
      entityId: request.appointmentId,
      patientId: facts?.patientId ?? null,
      actorUserId: request.providerUserId,
      actorRole: await roleOf(manager, request.providerUserId),
      metadata: refusal === null ? { patientUserId: request.patientUserId } : { patientUserId: request.patientUserId, reason: refusal },
    });
    if (refusal === null) {
      // Remembered beyond the SFU node: after a move to another node the patient walks in again.
      await manager.query(
        `INSERT INTO room_admissions (practice_id, appointment_id, user_id, admitted_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (appointment_id, user_id) DO NOTHING`,
        [request.practiceId, request.appointmentId, request.patientUserId, request.providerUserId],
      );
    }
    return refusal === null ? { allowed: true } : { allowed: false, reason: refusal };
  });
}

/**
 * A guest waits like the patient and is admitted by the visit's provider only while their
 * invitation stands (not withdrawn, not expired) and the visit itself is admissible now (the
 * same window, consent and licence rules as the patient's admission). Audited as room.admit
 * / room.admit_refused naming the invitation; the admission is remembered on the invitation.
 */
async function decideGuestAdmission(dataSource: DataSource, context: RequestContext, request: AdmissionCheckRequest): Promise<AdmissionCheckResult> {
  return withTenant(dataSource, request.practiceId, async (manager) => {
    const facts = await appointmentFacts(manager, request.appointmentId);
    const invitation = await invitationById(manager, request.patientUserId);
    let refusal: AdmissionRefusalReason | null = null;
    if (facts === null) {
      refusal = 'appointment_not_found';
    } else if (facts.providerId !== request.providerUserId || invitation?.appointment_id !== facts.id) {
      refusal = 'not_appointment_participant';
    } else if (!invitation.active) {
      refusal = 'invitation_not_valid';
    } else {
      const decision = await checkAdmission(manager, { appointmentId: request.appointmentId, at: new Date() });
      if (!decision.ok) refusal = decision.reason;
    }
    await recordAudit(manager, request.practiceId, context, {
      action: refusal === null ? 'room.admit' : 'room.admit_refused',
      outcome: refusal === null ? 'success' : 'denied',
      entityType: 'appointment',
      entityId: request.appointmentId,
      patientId: facts?.patientId ?? null,
      actorUserId: request.providerUserId,
      actorRole: await roleOf(manager, request.providerUserId),
      metadata: { guestInvitationId: request.patientUserId, ...(refusal === null ? {} : { reason: refusal }) },
    });
    if (refusal === null) await markAdmitted(manager, request.patientUserId);
    return refusal === null ? { allowed: true } : { allowed: false, reason: refusal };
  });
}

/** Writes a room event the SFU observed (join, leave, E2EE state) to the audit trail. */
export async function recordSfuRoomEvent(dataSource: DataSource, context: RequestContext, event: SfuRoomEvent): Promise<void> {
  await withTenant(dataSource, event.practiceId, async (manager) => {
    const facts = await appointmentFacts(manager, event.appointmentId);
    if (facts === null) {
      throw notFound('appointment_not_found', 'No such appointment');
    }
    const fresh = await manager.query<unknown[]>(
      `INSERT INTO sfu_event_receipts (event_id, practice_id) VALUES ($1, $2)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [event.eventId, event.practiceId],
    );
    if (fresh.length === 0) {
      // A retry of an event already written (its acknowledgement was lost): nothing to add.
      return;
    }
    await recordAudit(manager, event.practiceId, context, {
      action: event.type,
      entityType: 'appointment',
      entityId: event.appointmentId,
      patientId: facts.patientId,
      // A guest is no user: their id in the room is the invitation id, kept in the metadata.
      actorUserId: event.role === 'guest' ? null : event.userId,
      actorRole: event.role === 'guest' ? 'guest' : await roleOf(manager, event.userId),
      metadata: {
        ...(event.role === 'guest' ? { guestInvitationId: event.userId } : {}),
        roomRole: event.role,
        peerId: event.peerId,
        observedAt: event.occurredAt,
        ...(event.e2eeState === undefined ? {} : { e2eeState: event.e2eeState }),
      },
    });
  });
}

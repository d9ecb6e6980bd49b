import type { RoomRole } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError, conflict, forbidden, notFound } from '../../errors.js';
import type { RoomPlacement } from '../../coordination/coordination.js';
import type { RequestContext } from '../../http/requestContext.js';
import { TOKEN_AUDIENCES } from '../../auth/tokens.js';
import type { TokenService } from '../../auth/tokens.js';
import { ACTIVE_STATUSES, appointmentFacts } from '../scheduling/appointments.js';
import { callerOf } from '../../kernel/index.js';

export interface RoomTokenGrant {
  token: string;
  /** The room is the appointment. */
  roomId: string;
  role: RoomRole;
  expiresAt: string;
  /** Where to connect: the room's SFU node, or SFU_PUBLIC_URL on a single node (null = same origin). */
  sfuUrl: string | null;
}

export interface RoomTokenOptions {
  tokens: TokenService;
  ttlSeconds: number;
  /** Finds the room's SFU node (coordination/coordination.ts). */
  placeRoom: (roomId: string) => Promise<RoomPlacement | null>;
}

const ACTIVE = new Set<string>(ACTIVE_STATUSES);

/**
 * Issues a short-lived room token (audience medspa-sfu) for the appointment's patient or
 * provider, and nobody else: the SFU admits only token holders, and the token names the
 * room, the user and their role in it. Issuing is audited (room.token_issued) with the
 * lookup, in one tenant transaction.
 */
export async function issueRoomToken(
  dataSource: DataSource,
  context: RequestContext,
  appointmentId: string,
  { tokens, ttlSeconds, placeRoom }: RoomTokenOptions,
): Promise<RoomTokenGrant> {
  const caller = callerOf(context);
  const decision = await withTenant(dataSource, caller.practiceId, async (manager) => {
    const facts = await appointmentFacts(manager, appointmentId);
    if (facts === null) return { kind: 'not_found' as const };
    const role: RoomRole | null =
      facts.patientId === caller.userId ? 'patient' : facts.providerId === caller.userId ? 'provider' : null;
    const reference = { entityType: 'appointment', entityId: facts.id, patientId: facts.patientId };
    if (role === null) {
      // A refused attempt is audited too; returned (not thrown) so the audit row commits.
      await recordAudit(manager, caller.practiceId, context, { action: 'room.token_issued', outcome: 'denied', ...reference });
      return { kind: 'not_participant' as const };
    }
    if (!ACTIVE.has(facts.status)) return { kind: 'not_active' as const };
    await recordAudit(manager, caller.practiceId, context, { action: 'room.token_issued', ...reference });
    const admissions = await manager.query<unknown[]>(
      'SELECT 1 FROM room_admissions WHERE appointment_id = $1 AND user_id = $2',
      [facts.id, caller.userId],
    );
    return { kind: 'granted' as const, role, roomId: facts.id, admitted: admissions.length > 0 };
  });
  switch (decision.kind) {
    case 'not_found':
      throw notFound('appointment_not_found', 'No such appointment');
    case 'not_participant':
      throw forbidden('not_appointment_participant', 'Only the patient and the provider of this appointment may join its room');
    case 'not_active':
      throw conflict('appointment_not_active', 'This appointment is not active');
    case 'granted': {
      const placement = await placeRoom(decision.roomId);
      if (placement === null) {
        throw new AppError(503, 'media_server_unavailable', 'No video server is available right now; try again shortly');
      }
      const token = await tokens.sign({
        audience: TOKEN_AUDIENCES.sfu,
        subject: caller.userId,
        ttlSeconds,
        claims: {
          room: decision.roomId,
          role: decision.role,
          practice: caller.practiceId,
          ...(placement.nodeId === null ? {} : { node: placement.nodeId }),
          ...(decision.admitted ? { admitted: true } : {}),
        },
      });
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
      return { token, roomId: decision.roomId, role: decision.role, expiresAt, sfuUrl: placement.url };
    }
  }
}

import type { GuestRelation, VisitInvitationView } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';

/** One visit_invitations row joined with the inviting provider's name. */
const invitationRow = z.object({
  id: z.string(),
  appointment_id: z.string(),
  invited_name: z.string(),
  email: z.string(),
  relation: z.enum(['interpreter', 'caregiver', 'family_member', 'clinician']),
  invited_by: z.string(),
  invited_by_name: z.string(),
  created_at: z.date(),
  expires_at: z.date(),
  revoked_at: z.date().nullable(),
  admitted_at: z.date().nullable(),
  active: z.boolean(),
});
export type InvitationRow = z.infer<typeof invitationRow>;

const SELECT_INVITATION = `
  SELECT i.id, i.appointment_id, i.invited_name, i.email, i.relation, i.invited_by,
         u.given_name || ' ' || u.family_name AS invited_by_name,
         i.created_at, i.expires_at, i.revoked_at, i.admitted_at,
         (i.revoked_at IS NULL AND i.expires_at > now()) AS active
    FROM visit_invitations i JOIN users u ON u.id = i.invited_by`;

/** The provider's view of a row. */
export function invitationView(row: InvitationRow): VisitInvitationView {
  return {
    id: row.id,
    appointmentId: row.appointment_id,
    name: row.invited_name,
    email: row.email,
    relation: row.relation,
    invitedByName: row.invited_by_name,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    active: row.active,
  };
}

/** Every invitation of a visit, oldest first (revoked ones too: the provider sees the history). */
export async function invitationsOfAppointment(manager: EntityManager, appointmentId: string): Promise<InvitationRow[]> {
  const rows = await manager.query<unknown[]>(`${SELECT_INVITATION} WHERE i.appointment_id = $1 ORDER BY i.created_at, i.id`, [appointmentId]);
  return rows.map((row) => invitationRow.parse(row));
}

/** One invitation of a visit, locked for a state change; null when it is not that visit's. */
export async function invitationOfAppointment(manager: EntityManager, appointmentId: string, invitationId: string): Promise<InvitationRow | null> {
  const rows = await manager.query<unknown[]>(`${SELECT_INVITATION} WHERE i.appointment_id = $1 AND i.id = $2 FOR UPDATE OF i`, [
    appointmentId,
    invitationId,
  ]);
  return rows[0] === undefined ? null : invitationRow.parse(rows[0]);
}

/** The invitation a link's digest names (current tenant only); null for an unknown link. */
export async function invitationByDigest(manager: EntityManager, digest: string): Promise<InvitationRow | null> {
  const rows = await manager.query<unknown[]>(`${SELECT_INVITATION} WHERE i.token_hash = $1`, [digest]);
  return rows[0] === undefined ? null : invitationRow.parse(rows[0]);
}

/** One invitation by id (SFU admission of a guest, whose room id is the invitation id). */
export async function invitationById(manager: EntityManager, invitationId: string): Promise<InvitationRow | null> {
  const rows = await manager.query<unknown[]>(`${SELECT_INVITATION} WHERE i.id = $1`, [invitationId]);
  return rows[0] === undefined ? null : invitationRow.parse(rows[0]);
}

/** Invitations of a visit that still work (not revoked, not expired). */
export async function countActiveInvitations(manager: EntityManager, appointmentId: string): Promise<number> {
  const rows = await manager.query<{ n: string }[]>(
    `SELECT count(*) AS n FROM visit_invitations WHERE appointment_id = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [appointmentId],
  );
  return Number(rows[0]?.n ?? 0);
}

export interface NewInvitation {
  practiceId: string;
  appointmentId: string;
  name: string;
  email: string;
  relation: GuestRelation;
  invitedBy: string;
  tokenDigest: string;
  expiresAt: Date;
}

/** Inserts an invitation; returns its id. */
export async function insertInvitation(manager: EntityManager, input: NewInvitation): Promise<string> {
  const rows = await manager.query<{ id: string }[]>(
    `INSERT INTO visit_invitations (practice_id, appointment_id, invited_name, email, relation, invited_by, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [input.practiceId, input.appointmentId, input.name, input.email, input.relation, input.invitedBy, input.tokenDigest, input.expiresAt],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('invitation insert returned no row');
  return id;
}

/** Marks an invitation revoked by `userId`. */
export async function markRevoked(manager: EntityManager, invitationId: string, userId: string): Promise<void> {
  await manager.query(`UPDATE visit_invitations SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`, [invitationId, userId]);
}

/** Remembers the provider's admission of the guest (a rejoin elsewhere does not wait twice). */
export async function markAdmitted(manager: EntityManager, invitationId: string): Promise<void> {
  await manager.query(`UPDATE visit_invitations SET admitted_at = now() WHERE id = $1 AND admitted_at IS NULL`, [invitationId]);
}

/** The practice's name people know and its time zone (the email states the time there). */
export async function practiceFacts(manager: EntityManager, practiceId: string): Promise<{ name: string; timeZone: string }> {
  const rows = await manager.query<{ name: string; time_zone: string }[]>(
    `SELECT COALESCE(branding_name, name) AS name, time_zone FROM practices WHERE id = $1`,
    [practiceId],
  );
  return { name: rows[0]?.name ?? 'Your practice', timeZone: rows[0]?.time_zone ?? 'America/New_York' };
}

/** A user's display name ("Given Family"). */
export async function userName(manager: EntityManager, userId: string): Promise<string | null> {
  const rows = await manager.query<{ name: string }[]>(`SELECT given_name || ' ' || family_name AS name FROM users WHERE id = $1`, [userId]);
  return rows[0]?.name ?? null;
}

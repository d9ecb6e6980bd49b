import { z } from 'zod';

/**
 * Visit guests: people the visit's provider invites into a consult beside the patient (issue
 * 10). Each invitation is a single-secret link by email; redeeming it gives a room token
 * with role `guest` and an E2EE certificate naming the guest and why they are there.
 */

/** Why a guest is in the visit; the room shows it in plain words beside their name. */
export const GUEST_RELATIONS = ['interpreter', 'caregiver', 'family_member', 'clinician'] as const;
export const guestRelationSchema = z.enum(GUEST_RELATIONS);
export type GuestRelation = z.infer<typeof guestRelationSchema>;

/** Body of POST /v1/appointments/:appointmentId/invitations. */
export const createInvitationSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  email: z.email().max(254),
  relation: guestRelationSchema,
});
export type CreateInvitationInput = z.infer<typeof createInvitationSchema>;

/** An invitation as the provider's room lists it. */
export interface VisitInvitationView {
  id: string;
  appointmentId: string;
  name: string;
  email: string;
  relation: GuestRelation;
  invitedByName: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  /** False after revocation or once the visit window closed. */
  active: boolean;
  /** Set when the email could not be handed to the mail server (create only). */
  emailSent?: boolean;
}

/** `<practice id>.<256-bit secret, base64url>`: the practice id picks the tenant before the lookup. */
export const invitationTokenSchema = z
  .string()
  .max(200)
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/, 'malformed link');

/** Body of POST /v1/invitations/lookup: what the guest's join page shows before joining. */
export const invitationLookupSchema = z.strictObject({ token: invitationTokenSchema });

/** Body of POST /v1/invitations/redeem: the link plus this join's fresh ECDH public key. */
export const invitationRedeemSchema = z.strictObject({
  token: invitationTokenSchema,
  e2eePublicKey: z.string().regex(/^B[A-P][A-Za-z0-9_-]{85}$/, 'not an uncompressed P-256 point'),
});

/** What the guest's join page shows: no patient name, nothing clinical. */
export interface InvitationSummary {
  /** The room (appointment id) and the guest's id in it (the invitation id): the link holder's own. */
  roomId: string;
  participantId: string;
  practiceName: string;
  guestName: string;
  relation: GuestRelation;
  providerName: string;
  startsAt: string;
  endsAt: string;
  /** When the room opens for the guest (30 minutes before the start, like the patient's). */
  opensAt: string;
}

import { ROOM_OPENS_MINUTES_BEFORE } from '@medspa/shared-types';
import type { CreateInvitationInput, InvitationSummary, VisitInvitationView } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { TOKEN_AUDIENCES } from '../../auth/tokens.js';
import type { TokenService } from '../../auth/tokens.js';
import type { Config } from '../../config.js';
import type { RoomPlacement } from '../../coordination/coordination.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess } from '../../kernel/index.js';
import type { Caller } from '../../kernel/index.js';
import type { Mailer, OutgoingMail } from '../../mail/mailer.js';
import type { Logger } from 'pino';
import { newSecret, tokenDigest } from '../identity/oneTimeTokens.js';
import { E2EE_CERTIFICATE_TTL_SECONDS, p256Thumbprint } from '../rooms/roomTokenService.js';
import { issueTurnCredentials } from '../rooms/turnCredentials.js';
import type { TurnCredentials } from '../rooms/turnCredentials.js';
import { ACTIVE_STATUSES, appointmentFacts } from '../scheduling/appointments.js';
import type { AppointmentFacts } from '../scheduling/appointments.js';
import { guestInvitationMail, guestLink, visitTimeInWords } from './invitationMail.js';
import {
  countActiveInvitations,
  insertInvitation,
  invitationByDigest,
  invitationOfAppointment,
  invitationView,
  invitationsOfAppointment,
  markRevoked,
  practiceFacts,
  userName,
} from './invitationStore.js';
import type { InvitationRow } from './invitationStore.js';

/**
 * Most guests a visit may have at once. Room media caps (sfu/src/media/mediaLimits.ts) are
 * sized for a handful of peers; patient + provider + 3 guests stays inside them.
 */
export const MAX_ACTIVE_GUESTS = 3;

const ACTIVE = new Set<string>(ACTIVE_STATUSES);

/** What the invitation use cases need from the services. */
export interface InvitationDeps {
  dataSource: DataSource;
  mailer: Mailer;
  logger: Logger;
  config: Config;
  tokens: TokenService;
  placeRoom: (roomId: string) => Promise<RoomPlacement | null>;
}

/** The visit's provider manages its guests; admins may too (a provider off sick, a wrong address). */
function assertMayManage(caller: Caller, facts: AppointmentFacts): void {
  if (caller.role === 'admin') return;
  if (facts.providerId !== caller.userId) {
    throw forbidden('not_visit_provider', 'Only the provider of this visit can invite people to it');
  }
}

async function locateVisit(tx: EntityManager, appointmentId: string): Promise<AppointmentFacts> {
  const facts = await appointmentFacts(tx, appointmentId);
  if (facts === null) throw notFound('appointment_not_found', 'No such appointment');
  return facts;
}

/**
 * The visit's provider (or an admin) invites someone into the visit: a single-secret link
 * by email that works until revoked or until the visit's end. Audited as
 * visit_invitation.create with the visit's patient; the email leaves after the commit.
 */
export async function createInvitation(
  deps: InvitationDeps,
  context: RequestContext,
  appointmentId: string,
  input: CreateInvitationInput,
): Promise<VisitInvitationView> {
  const { view, mail } = await auditedAccess<{ view: VisitInvitationView; mail: OutgoingMail }>(
    deps.dataSource,
    context,
    {
      action: 'visit_invitation.create',
      entityType: 'appointment',
      entityId: appointmentId,
      careTeam: false,
      notFoundCode: 'appointment_not_found',
      locatePatient: async (tx) => (await locateVisit(tx, appointmentId)).patientId,
      metadataOf: ({ view: created }) => ({ invitationId: created.id, relation: created.relation }),
    },
    async (tx, { caller }) => {
      const visit = await locateVisit(tx, appointmentId);
      assertMayManage(caller, visit);
      if (!ACTIVE.has(visit.status) || visit.endsAt.getTime() <= Date.now()) {
        throw conflict('appointment_not_active', 'This visit is over or cancelled; nobody can be invited to it');
      }
      if ((await countActiveInvitations(tx, appointmentId)) >= MAX_ACTIVE_GUESTS) {
        throw conflict('too_many_guests', `A visit can have at most ${MAX_ACTIVE_GUESTS} invited people; withdraw one first`);
      }
      const token = `${caller.practiceId}.${newSecret()}`;
      const id = await insertInvitation(tx, {
        practiceId: caller.practiceId,
        appointmentId,
        name: input.name,
        email: input.email,
        relation: input.relation,
        invitedBy: caller.userId,
        tokenDigest: tokenDigest(token),
        expiresAt: visit.endsAt,
      });
      const row = (await invitationsOfAppointment(tx, appointmentId)).find((candidate) => candidate.id === id);
      if (row === undefined) throw new Error('invitation vanished after insert');
      const practice = await practiceFacts(tx, caller.practiceId);
      return {
        view: invitationView(row),
        mail: guestInvitationMail({
          to: input.email,
          guestName: input.name,
          practiceName: practice.name,
          when: visitTimeInWords(visit.startsAt, practice.timeZone),
          link: guestLink(deps.config.PUBLIC_APP_URL, token),
        }),
      };
    },
  );
  let emailSent = true;
  try {
    await deps.mailer.send(mail);
  } catch (error) {
    // The invitation exists; the provider can withdraw it and invite again. Never log the address or link.
    emailSent = false;
    deps.logger.error({ err: error instanceof Error ? error.name : 'unknown' }, 'guest invitation email not sent');
  }
  return { ...view, emailSent };
}

/** The visit's invitations for its provider (or an admin), audited as visit_invitation.list. */
export async function listInvitations(deps: InvitationDeps, context: RequestContext, appointmentId: string): Promise<VisitInvitationView[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'visit_invitation.list',
      entityType: 'appointment',
      entityId: appointmentId,
      careTeam: false,
      notFoundCode: 'appointment_not_found',
      locatePatient: async (tx) => (await locateVisit(tx, appointmentId)).patientId,
      metadataOf: (views) => ({ count: views.length }),
    },
    async (tx, { caller }) => {
      assertMayManage(caller, await locateVisit(tx, appointmentId));
      return (await invitationsOfAppointment(tx, appointmentId)).map(invitationView);
    },
  );
}

/**
 * Withdraws an invitation: the link stops working at once (no further room token), the SFU
 * refuses to admit the guest again, and the provider's room removes them if they are in it.
 * Audited as visit_invitation.revoke.
 */
export async function revokeInvitation(
  deps: InvitationDeps,
  context: RequestContext,
  appointmentId: string,
  invitationId: string,
): Promise<VisitInvitationView> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'visit_invitation.revoke',
      entityType: 'appointment',
      entityId: appointmentId,
      careTeam: false,
      notFoundCode: 'appointment_not_found',
      locatePatient: async (tx) => (await locateVisit(tx, appointmentId)).patientId,
      metadataOf: (view) => ({ invitationId: view.id }),
    },
    async (tx, { caller }) => {
      assertMayManage(caller, await locateVisit(tx, appointmentId));
      const row = await invitationOfAppointment(tx, appointmentId, invitationId);
      if (row === null) throw notFound('invitation_not_found', 'No such invitation for this visit');
      if (row.revoked_at !== null) throw conflict('invitation_revoked', 'This invitation was already withdrawn');
      await markRevoked(tx, invitationId, caller.userId);
      const after = await invitationOfAppointment(tx, appointmentId, invitationId);
      if (after === null) throw new Error('invitation vanished after revoke');
      return invitationView(after);
    },
  );
}

/** The practice a (schema-valid) link belongs to. */
function practiceOfLink(token: string): string {
  return token.slice(0, 36).toLowerCase();
}

/** One answer for every unknown link, so nobody learns which other links or visits exist. */
const linkInvalid = (): AppError => badRequest('invitation_invalid', 'This invitation link is not valid. Ask the practice for a new one.');
const linkRevoked = (): AppError => new AppError(410, 'invitation_revoked', 'This invitation was withdrawn by the practice.');
const linkExpired = (): AppError => new AppError(410, 'invitation_expired', 'This invitation has expired: the visit is over or was cancelled.');

type LinkState = 'ok' | 'revoked' | 'expired' | 'not_open';

function linkState(row: InvitationRow, facts: AppointmentFacts, now: Date): LinkState {
  if (row.revoked_at !== null) return 'revoked';
  if (!row.active || !ACTIVE.has(facts.status) || now.getTime() >= facts.endsAt.getTime()) return 'expired';
  if (now.getTime() < opensAt(facts).getTime()) return 'not_open';
  return 'ok';
}

function opensAt(facts: AppointmentFacts): Date {
  return new Date(facts.startsAt.getTime() - ROOM_OPENS_MINUTES_BEFORE * 60_000);
}

interface ResolvedLink {
  row: InvitationRow;
  facts: AppointmentFacts;
}

async function resolveLink(tx: EntityManager, token: string): Promise<ResolvedLink> {
  const row = await invitationByDigest(tx, tokenDigest(token));
  if (row === null) throw linkInvalid();
  const facts = await appointmentFacts(tx, row.appointment_id);
  if (facts === null) throw linkInvalid();
  return { row, facts };
}

/**
 * What the guest's join page shows before joining: practice, the guest's own name and
 * relation, the provider's name and the visit time. Nothing about the patient. Revoked and
 * expired links answer 410, unknown ones 400, like redemption.
 */
export async function lookupInvitation(deps: InvitationDeps, token: string): Promise<InvitationSummary> {
  return withTenant(deps.dataSource, practiceOfLink(token), async (tx) => {
    const { row, facts } = await resolveLink(tx, token);
    const state = linkState(row, facts, new Date());
    if (state === 'revoked') throw linkRevoked();
    if (state === 'expired') throw linkExpired();
    const practice = await practiceFacts(tx, practiceOfLink(token));
    return {
      roomId: facts.id,
      participantId: row.id,
      practiceName: practice.name,
      guestName: row.invited_name,
      relation: row.relation,
      providerName: (await userName(tx, facts.providerId)) ?? 'your provider',
      startsAt: facts.startsAt.toISOString(),
      endsAt: facts.endsAt.toISOString(),
      opensAt: opensAt(facts).toISOString(),
    };
  });
}

/** What a redeemed link gives the guest's browser. */
export interface GuestRoomGrant {
  token: string;
  roomId: string;
  role: 'guest';
  /** The guest's id in the room: the invitation id (stable, so a rejoin takes the same seat). */
  participantId: string;
  expiresAt: string;
  sfuUrl: string | null;
  certificate: string;
  /** TURN credentials when the deployment has a TURN server (guests have no session to ask with). */
  turn: TurnCredentials | null;
}

/**
 * Redeems a guest's link for a room token (role `guest`, `sub` = the invitation id) and an
 * E2EE certificate naming the guest, their relation and who invited them, while the
 * invitation stands and the visit room is open. Audited as room.token_issued (a refusal of a
 * known link as outcome denied) with the visit's patient, in the same transaction.
 */
export async function redeemInvitation(
  deps: InvitationDeps,
  context: RequestContext,
  token: string,
  e2eePublicKey: string,
): Promise<GuestRoomGrant> {
  const practiceId = practiceOfLink(token);
  const decision = await withTenant(deps.dataSource, practiceId, async (tx) => {
    const { row, facts } = await resolveLink(tx, token);
    const state = linkState(row, facts, new Date());
    const reference = {
      entityType: 'appointment',
      entityId: facts.id,
      patientId: facts.patientId,
      actorUserId: null,
      actorRole: 'guest',
    };
    if (state !== 'ok') {
      // Returned, not thrown, so the refusal's audit row commits.
      await recordAudit(tx, practiceId, context, {
        action: 'room.token_issued',
        outcome: 'denied',
        ...reference,
        metadata: { invitationId: row.id, reason: state },
      });
      return { kind: state } as const;
    }
    // Checked only for a standing link, so a withdrawn one answers 410 whatever key comes with it.
    const thumbprint = await p256Thumbprint(e2eePublicKey);
    await recordAudit(tx, practiceId, context, {
      action: 'room.token_issued',
      ...reference,
      metadata: { invitationId: row.id, relation: row.relation },
    });
    return { kind: 'ok', row, facts, thumbprint } as const;
  });
  switch (decision.kind) {
    case 'revoked':
      throw linkRevoked();
    case 'expired':
      throw linkExpired();
    case 'not_open':
      throw conflict('visit_not_open', 'The visit room is not open yet: it opens 30 minutes before the visit.');
    case 'ok':
      break;
  }
  const { row, facts, thumbprint } = decision;
  const placement = await deps.placeRoom(facts.id);
  if (placement === null) throw new AppError(503, 'media_server_unavailable', 'No video server is available right now; try again shortly');
  const ttlSeconds = deps.config.ROOM_TOKEN_TTL_SECONDS;
  const roomToken = await deps.tokens.sign({
    audience: TOKEN_AUDIENCES.sfu,
    subject: row.id,
    ttlSeconds,
    claims: {
      room: facts.id,
      role: 'guest',
      practice: practiceId,
      ...(placement.nodeId === null ? {} : { node: placement.nodeId }),
      ...(row.admitted_at === null ? {} : { admitted: true }),
    },
  });
  // Signed by the API only for a standing invitation: a guest certificate means "invited".
  const certificate = await deps.tokens.sign({
    audience: TOKEN_AUDIENCES.e2eeCertificate,
    subject: row.id,
    // Never past the visit window: after it nobody should still hold keys on this link.
    ttlSeconds: Math.max(60, Math.min(E2EE_CERTIFICATE_TTL_SECONDS, Math.ceil((facts.endsAt.getTime() - Date.now()) / 1000))),
    claims: {
      room: facts.id,
      role: 'guest',
      name: row.invited_name,
      relation: row.relation,
      invitedBy: row.invited_by_name,
      cnf: { jkt: thumbprint },
    },
  });
  const { TURN_SECRET, TURN_URIS } = deps.config;
  const turnUris = (TURN_URIS ?? '').split(',').map((uri) => uri.trim()).filter((uri) => uri.length > 0);
  const turn =
    TURN_SECRET === undefined || turnUris.length === 0
      ? null
      : issueTurnCredentials({ secret: TURN_SECRET, userId: row.id, ttlSeconds: deps.config.TURN_CREDENTIAL_TTL_SECONDS, uris: turnUris });
  return {
    token: roomToken,
    roomId: facts.id,
    role: 'guest',
    participantId: row.id,
    expiresAt: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    sfuUrl: placement.url,
    certificate,
    turn,
  };
}

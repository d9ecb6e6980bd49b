/**
 * Visit guests through the real API, PostgreSQL and a real SMTP server in this process: the
 * visit's provider invites an interpreter, the email carries only the minimum, the link is
 * redeemed for a guest room token and certificate, the SFU's admission check admits the
 * guest, and a withdrawn or expired link answers a clear 4xx. Every step is audited.
 */
import { generateKeyPairSync } from 'node:crypto';
import { E2EE_CERTIFICATE_AUDIENCE, ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER } from '@medspa/shared-types';
import type { VisitInvitationView } from '@medspa/shared-types';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { tokenDigest } from '../../src/modules/identity/oneTimeTokens.js';
import { bearer, loginAs } from '../fixtures/identity.js';
import { countRows } from '../scheduling/schedulingFixtures.js';
import { startSmtpCapture } from '../support/smtpCapture.js';
import type { SmtpCapture } from '../support/smtpCapture.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { generateServiceKey, insertAppointment, setUpVisit, signTelehealthConsent } from './roomsFixtures.js';
import type { ServiceKey, VisitFixture } from './roomsFixtures.js';

jest.setTimeout(120_000);

const PATIENT_GIVEN = 'Zebulonpatient';
const PATIENT_FAMILY = 'Quixotefamily';

/** A fresh P-256 public key as the browser sends it (raw point, base64url) and its thumbprint. */
async function e2eeKey(): Promise<{ raw: string; thumbprint: string }> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65).toString('base64url');
  const jwk = publicKey.export({ format: 'jwk' });
  return { raw, thumbprint: await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' }, 'sha256') };
}

const linkIn = (mail: ParsedMail): string => /https?:\/\/\S+/.exec(mail.text ?? '')?.[0] ?? '';
/** The link's secret: the URL fragment. */
const secretOf = (link: string): string => new URL(link).hash.slice(1);

describe('visit invitations: interpreter, caregiver, clinician guests of a consult', () => {
  let test: TestApi;
  let smtp: SmtpCapture;
  let service: ServiceKey;
  let visit: VisitFixture;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    service = await generateServiceKey();
    test = await startTestApi({ SMTP_URL: smtp.url, SFU_SERVICE_PUBLIC_JWK: service.publicJwk, PUBLIC_APP_URL: 'https://app.example.test' });
    visit = await setUpVisit(test);
    // Names the email must never carry.
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE users SET given_name = $2, family_name = $3 WHERE id = $1`, [visit.patient.userId, PATIENT_GIVEN, PATIENT_FAMILY]),
    );
  }, 120_000);

  afterAll(async () => {
    await test.close();
    await smtp.close();
  });

  const app = () => test.api.app;
  const invitationsPath = (appointmentId = visit.appointmentId): string => `/v1/appointments/${appointmentId}/invitations`;

  async function invite(name: string, email: string, relation = 'interpreter'): Promise<{ invitation: VisitInvitationView; mail: ParsedMail; secret: string }> {
    const response = await request(app()).post(invitationsPath()).set('authorization', bearer(visit.setup.injector)).send({ name, email, relation });
    expect(response.status).toBe(201);
    const invitation = response.body as VisitInvitationView;
    const mail = await smtp.waitFor((candidate) => candidate.to !== undefined && JSON.stringify(candidate.to).includes(email));
    return { invitation, mail, secret: secretOf(linkIn(mail)) };
  }

  const auditRows = (action: string, outcome = 'success') =>
    asOwner(test.database.url, async (client) =>
      (
        await client.query<{ actor_user_id: string | null; actor_role: string | null; patient_id: string | null; metadata: Record<string, unknown> | null }>(
          `SELECT actor_user_id, actor_role, patient_id, metadata FROM audit_events WHERE action = $1 AND outcome = $2 AND entity_id = $3 ORDER BY seq`,
          [action, outcome, visit.appointmentId],
        )
      ).rows,
    );

  it('the provider invites an interpreter: a minimal email with a single-secret link; stored only as a digest; audited', async () => {
    const { invitation, mail, secret } = await invite('Maria Lopez', 'maria.interpreter@example.test');
    expect(invitation).toMatchObject({ name: 'Maria Lopez', relation: 'interpreter', active: true, revokedAt: null, emailSent: true, appointmentId: visit.appointmentId });
    // Expires with the end of the visit window.
    const ends = await asOwner(test.database.url, (client) => client.query<{ ends_at: Date }>(`SELECT ends_at FROM appointments WHERE id = $1`, [visit.appointmentId]));
    expect(invitation.expiresAt).toBe(ends.rows[0]?.ends_at.toISOString());

    const link = linkIn(mail);
    expect(link.startsWith('https://app.example.test/guest#')).toBe(true);
    expect(secret).toMatch(new RegExp(`^${visit.setup.practice.id}\\.[A-Za-z0-9_-]{43}$`));
    const text = `${mail.subject ?? ''}\n${mail.text ?? ''}`;
    expect(text).toContain('Maria Lopez');
    expect(text).toMatch(/Eastern (Standard|Daylight) Time/);
    // Minimum necessary: no patient, no provider, nothing clinical.
    for (const word of [PATIENT_GIVEN, PATIENT_FAMILY, visit.setup.injector.user.givenName, visit.setup.injector.user.familyName, 'consult', 'interpreter', 'Botox']) {
      expect(text).not.toContain(word);
    }
    // Only the digest is stored.
    const stored = await asOwner(test.database.url, (client) => client.query<{ token_hash: string }>(`SELECT token_hash FROM visit_invitations WHERE id = $1`, [invitation.id]));
    expect(stored.rows[0]?.token_hash).toBe(tokenDigest(secret));
    expect(JSON.stringify(stored.rows)).not.toContain(secret.slice(37));

    const created = await auditRows('visit_invitation.create');
    expect(created.at(-1)).toMatchObject({ actor_user_id: visit.setup.injector.userId, patient_id: visit.patient.userId, metadata: { invitationId: invitation.id, relation: 'interpreter' } });
  });

  it('lists the visit’s invitations for its provider and admins (audited); refuses the patient, another injector and front desk', async () => {
    const listed = await request(app()).get(invitationsPath()).set('authorization', bearer(visit.setup.injector)).expect(200);
    const names = (listed.body as { invitations: VisitInvitationView[] }).invitations.map((invitation) => invitation.name);
    expect(names).toContain('Maria Lopez');
    await request(app()).get(invitationsPath()).set('authorization', bearer(visit.setup.admin)).expect(200);
    expect((await auditRows('visit_invitation.list')).length).toBeGreaterThanOrEqual(2);

    const otherInjector = await loginAs(test, visit.setup.practice.slug, 'injector');
    const refused = await request(app()).post(invitationsPath()).set('authorization', bearer(otherInjector)).send({ name: 'Eve', email: 'eve@example.test', relation: 'caregiver' });
    expect(refused.status).toBe(403);
    expect((refused.body as { code: string }).code).toBe('not_visit_provider');
    await request(app()).get(invitationsPath()).set('authorization', bearer(otherInjector)).expect(403);
    const denied = await auditRows('visit_invitation.create', 'denied');
    expect(denied.at(-1)).toMatchObject({ actor_user_id: otherInjector.userId, patient_id: visit.patient.userId });

    // Route level: patients and front desk never reach the use case.
    await request(app()).post(invitationsPath()).set('authorization', bearer(visit.patient)).send({ name: 'Eve', email: 'eve@example.test', relation: 'caregiver' }).expect(403);
    await request(app()).get(invitationsPath()).set('authorization', bearer(visit.setup.frontDesk)).expect(403);
    expect(await countRows(test, `SELECT count(*) AS n FROM visit_invitations WHERE email = 'eve@example.test'`)).toBe(0);
    // Bad input is a 400, an unknown visit a 404.
    await request(app()).post(invitationsPath()).set('authorization', bearer(visit.setup.injector)).send({ name: '', email: 'nope', relation: 'spy' }).expect(400);
    await request(app()).get(invitationsPath('00000000-0000-4000-8000-000000000000')).set('authorization', bearer(visit.setup.injector)).expect(404);
  });

  it('redeems the link for a guest room token (sub = invitation id) and a certificate naming the guest, relation and inviter; audited', async () => {
    const { invitation, secret } = await invite('Ana Interpreter', 'ana@example.test');
    const lookup = await request(app()).post('/v1/invitations/lookup').send({ token: secret }).expect(200);
    expect(lookup.body).toMatchObject({ roomId: visit.appointmentId, participantId: invitation.id, guestName: 'Ana Interpreter', relation: 'interpreter' });
    expect(JSON.stringify(lookup.body)).not.toContain(PATIENT_GIVEN);

    const jwks = (await request(app()).get('/.well-known/jwks.json').expect(200)).body as JSONWebKeySet;
    const key = await e2eeKey();
    const redeemed = await request(app()).post('/v1/invitations/redeem').send({ token: secret, e2eePublicKey: key.raw }).expect(201);
    const grant = redeemed.body as { token: string; certificate: string; role: string; participantId: string; roomId: string };
    expect(grant).toMatchObject({ role: 'guest', participantId: invitation.id, roomId: visit.appointmentId });
    const { payload: roomClaims } = await jwtVerify(grant.token, createLocalJWKSet(jwks), { algorithms: ['ES256'], issuer: ROOM_TOKEN_ISSUER, audience: ROOM_TOKEN_AUDIENCE });
    expect(roomClaims).toMatchObject({ sub: invitation.id, room: visit.appointmentId, role: 'guest', practice: visit.setup.practice.id });
    const { payload: certificate } = await jwtVerify(grant.certificate, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      issuer: ROOM_TOKEN_ISSUER,
      audience: E2EE_CERTIFICATE_AUDIENCE,
    });
    expect(certificate).toMatchObject({
      sub: invitation.id,
      room: visit.appointmentId,
      role: 'guest',
      name: 'Ana Interpreter',
      relation: 'interpreter',
      invitedBy: `${visit.setup.injector.user.givenName} ${visit.setup.injector.user.familyName}`,
      cnf: { jkt: key.thumbprint },
    });
    // A second redemption (a rejoin) gives the same sub: the same seat.
    const again = await request(app()).post('/v1/invitations/redeem').send({ token: secret, e2eePublicKey: (await e2eeKey()).raw }).expect(201);
    expect((again.body as { participantId: string }).participantId).toBe(invitation.id);
    // Keep the visit under its guest cap for the tests below.
    await request(app()).delete(`${invitationsPath()}/${invitation.id}`).set('authorization', bearer(visit.setup.injector)).expect(200);

    const issued = await auditRows('room.token_issued');
    expect(issued.at(-1)).toMatchObject({ actor_user_id: null, actor_role: 'guest', patient_id: visit.patient.userId, metadata: { invitationId: invitation.id, relation: 'interpreter' } });
  });

  it('the SFU admission check admits a guest only for a standing invitation of this visit, by its provider; audited', async () => {
    const { invitation } = await invite('Carla Caregiver', 'carla@example.test', 'caregiver');
    await signTelehealthConsent(test, visit.setup, visit.patient);
    const token = await service.sign();
    const check = (guestId: string, providerUserId = visit.setup.injector.userId) =>
      request(app())
        .post('/internal/sfu/admission-checks')
        .set('authorization', `Bearer ${token}`)
        .send({ practiceId: visit.setup.practice.id, appointmentId: visit.appointmentId, patientUserId: guestId, providerUserId, participantRole: 'guest' })
        .expect(200);
    expect((await check(invitation.id, visit.otherPatient.userId)).body).toEqual({ allowed: false, reason: 'not_appointment_participant' });
    // A made-up id (a ghost the SFU invented) is refused.
    expect((await check('11111111-1111-4111-8111-111111111111')).body).toEqual({ allowed: false, reason: 'not_appointment_participant' });
    expect((await check(invitation.id)).body).toEqual({ allowed: true });
    const admitted = await auditRows('room.admit');
    expect(admitted.at(-1)).toMatchObject({ actor_user_id: visit.setup.injector.userId, patient_id: visit.patient.userId, metadata: { guestInvitationId: invitation.id } });
    expect(await countRows(test, `SELECT count(*) AS n FROM visit_invitations WHERE id = $1 AND admitted_at IS NOT NULL`, [invitation.id])).toBe(1);

    // Revoked: no further admission.
    await request(app()).delete(`${invitationsPath()}/${invitation.id}`).set('authorization', bearer(visit.setup.injector)).expect(200);
    expect((await check(invitation.id)).body).toEqual({ allowed: false, reason: 'invitation_not_valid' });
  });

  it('a withdrawn link is refused (410 invitation_revoked) and audited; revoking twice is a 409; another visit’s invitation is a 404', async () => {
    const { invitation, secret } = await invite('Rita Revoked', 'rita@example.test', 'family_member');
    const revoked = await request(app()).delete(`${invitationsPath()}/${invitation.id}`).set('authorization', bearer(visit.setup.admin)).expect(200);
    expect(revoked.body).toMatchObject({ id: invitation.id, active: false });
    expect((await auditRows('visit_invitation.revoke')).at(-1)).toMatchObject({ actor_user_id: visit.setup.admin.userId, patient_id: visit.patient.userId, metadata: { invitationId: invitation.id } });

    const refused = await request(app()).post('/v1/invitations/redeem').send({ token: secret, e2eePublicKey: (await e2eeKey()).raw });
    expect(refused.status).toBe(410);
    expect((refused.body as { code: string }).code).toBe('invitation_revoked');
    const lookup = await request(app()).post('/v1/invitations/lookup').send({ token: secret });
    expect(lookup.status).toBe(410);
    expect((await auditRows('room.token_issued', 'denied')).at(-1)).toMatchObject({ actor_role: 'guest', metadata: { invitationId: invitation.id, reason: 'revoked' } });

    const twice = await request(app()).delete(`${invitationsPath()}/${invitation.id}`).set('authorization', bearer(visit.setup.injector));
    expect(twice.status).toBe(409);
    const otherVisit = await insertAppointment(test, visit.setup, visit.otherPatient.userId, new Date(Date.now() + 3 * 3600_000));
    await request(app()).delete(`${invitationsPath(otherVisit)}/${invitation.id}`).set('authorization', bearer(visit.setup.injector)).expect(404);
  });

  it('an expired link (visit window over) is refused with 410 invitation_expired; an unknown link says nothing more than 400', async () => {
    const { invitation, secret } = await invite('Eli Expired', 'eli@example.test', 'clinician');
    await asOwner(test.database.url, (client) => client.query(`UPDATE visit_invitations SET expires_at = created_at + interval '1 second' WHERE id = $1`, [invitation.id]));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await request(app()).post('/v1/invitations/redeem').send({ token: secret, e2eePublicKey: (await e2eeKey()).raw });
    expect(expired.status).toBe(410);
    expect((expired.body as { code: string }).code).toBe('invitation_expired');

    // Unknown secret, in this practice and in a practice that does not exist: the same answer.
    const unknownHere = await request(app()).post('/v1/invitations/redeem').send({ token: `${visit.setup.practice.id}.${'A'.repeat(43)}`, e2eePublicKey: (await e2eeKey()).raw });
    const unknownElsewhere = await request(app()).post('/v1/invitations/redeem').send({ token: `00000000-0000-4000-8000-000000000000.${'A'.repeat(43)}`, e2eePublicKey: (await e2eeKey()).raw });
    expect([unknownHere.status, unknownElsewhere.status]).toEqual([400, 400]);
    expect(unknownHere.body).toEqual(unknownElsewhere.body);
    expect((unknownHere.body as { code: string }).code).toBe('invitation_invalid');
    await request(app()).post('/v1/invitations/redeem').send({ token: 'garbage', e2eePublicKey: 'x' }).expect(400);
  });

  it('a link opened before the room opens is a 409 visit_not_open; at most three standing guests per visit', async () => {
    const later = await insertAppointment(test, visit.setup, visit.patient.userId, new Date(Date.now() + 5 * 3600_000));
    const early = await request(app()).post(invitationsPath(later)).set('authorization', bearer(visit.setup.injector)).send({ name: 'Ned Early', email: 'ned@example.test', relation: 'interpreter' }).expect(201);
    const mail = await smtp.waitFor((candidate) => JSON.stringify(candidate.to).includes('ned@example.test'));
    const tooEarly = await request(app()).post('/v1/invitations/redeem').send({ token: secretOf(linkIn(mail)), e2eePublicKey: (await e2eeKey()).raw });
    expect(tooEarly.status).toBe(409);
    expect((tooEarly.body as { code: string }).code).toBe('visit_not_open');
    // The join page may still show when the visit is.
    await request(app()).post('/v1/invitations/lookup').send({ token: secretOf(linkIn(mail)) }).expect(200);
    expect((early.body as VisitInvitationView).active).toBe(true);

    for (const name of ['Two', 'Three']) {
      await request(app()).post(invitationsPath(later)).set('authorization', bearer(visit.setup.injector)).send({ name, email: `${name.toLowerCase()}@example.test`, relation: 'caregiver' }).expect(201);
    }
    const fourth = await request(app()).post(invitationsPath(later)).set('authorization', bearer(visit.setup.injector)).send({ name: 'Four', email: 'four@example.test', relation: 'caregiver' });
    expect(fourth.status).toBe(409);
    expect((fourth.body as { code: string }).code).toBe('too_many_guests');
  });

  it('keeps invitations tenant-scoped under row-level security', async () => {
    const rows = await countRows(test, `SELECT count(*) AS n FROM visit_invitations`);
    expect(rows).toBeGreaterThan(0);
    // The runtime role without a tenant sees nothing.
    const seen = await test.api.services.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM visit_invitations`);
    expect(Number(seen[0]?.n)).toBe(0);
  });
});

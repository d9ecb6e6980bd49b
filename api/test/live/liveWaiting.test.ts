import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { issueAccessToken } from '../../src/modules/identity/accessTokens.js';
import { auditActionsFor } from '../clinical/clinicalFixtures.js';
import { bearer, loginAs } from '../fixtures/identity.js';
import { setUpBookablePractice } from '../scheduling/schedulingFixtures.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { generateServiceKey, setUpVisit, signTelehealthConsent } from '../rooms/roomsFixtures.js';
import type { ServiceKey, VisitFixture } from '../rooms/roomsFixtures.js';
import { connectLive, listenWithLive, refusalCode } from './liveClient.js';
import type { LiveConnection } from './liveClient.js';

jest.setTimeout(30_000);

/** A nudge travels in-process here: well under a second; the bound only keeps a slow machine green. */
const NUDGE_WITHIN_MS = 3000;

/**
 * The live channel on one API instance without Redis (issue 12): staff sockets in a
 * practice's room get a PHI-free nudge when the waiting board changes, and only staff who may
 * read the waiting room get in.
 */
describe('live "patient waiting" nudges on a single API instance (no Redis)', () => {
  let test: TestApi;
  let visit: VisitFixture;
  let service: ServiceKey;
  let listening: Awaited<ReturnType<typeof listenWithLive>>;
  const open: LiveConnection[] = [];

  beforeAll(async () => {
    service = await generateServiceKey();
    test = await startTestApi({ SFU_SERVICE_PUBLIC_JWK: service.publicJwk, LIVE_SESSION_CHECK_SECONDS: '1' });
    visit = await setUpVisit(test);
    await signTelehealthConsent(test, visit.setup, visit.patient);
    listening = await listenWithLive(test.api);
  }, 120_000);

  afterAll(async () => {
    for (const connection of open) connection.close();
    await listening.close();
    await test.close();
  });

  const connect = async (token: string): Promise<LiveConnection> => {
    const connection = await connectLive(listening.url, token);
    open.push(connection);
    return connection;
  };
  const roomEvent = (type: 'room.join' | 'room.leave'): Record<string, string> => ({
    eventId: randomUUID(),
    type,
    practiceId: visit.setup.practice.id,
    appointmentId: visit.appointmentId,
    userId: visit.patient.userId,
    role: 'patient',
    peerId: randomUUID(),
    occurredAt: new Date().toISOString(),
  });
  const report = async (body: Record<string, string>): Promise<void> => {
    await request(test.api.app).post('/internal/sfu/room-events').set('authorization', `Bearer ${await service.sign()}`).send(body).expect(204);
  };

  it('runs in process', () => {
    expect(test.api.services.coordination.mode).toBe('in_process');
  });

  it('nudges the practice\'s staff (and nobody else) when a patient starts waiting, leaves or is admitted; the nudge names nobody', async () => {
    const injector = await connect(visit.setup.injector.accessToken);
    const desk = await connect(visit.setup.frontDesk.accessToken);
    const elsewhere = await setUpBookablePractice(test);
    const otherPractice = await connect(elsewhere.injector.accessToken);

    const nudged = Promise.all([injector.nextNudge(NUDGE_WITHIN_MS), desk.nextNudge(NUDGE_WITHIN_MS)]);
    await report(roomEvent('room.join'));
    expect(await nudged).toEqual([{ kind: 'waiting_changed' }, { kind: 'waiting_changed' }]);
    const listed = await request(test.api.app).get('/v1/waiting-room').set('authorization', bearer(visit.setup.injector)).expect(200);
    expect((listed.body as { waiting: { appointmentId: string }[] }).waiting).toEqual([expect.objectContaining({ appointmentId: visit.appointmentId })]);

    const left = injector.nextNudge(NUDGE_WITHIN_MS);
    await report(roomEvent('room.leave'));
    await left;
    await report(roomEvent('room.join'));
    const admittedNudge = injector.nextNudge(NUDGE_WITHIN_MS);
    await request(test.api.app)
      .post('/internal/sfu/admission-checks')
      .set('authorization', `Bearer ${await service.sign()}`)
      .send({
        practiceId: visit.setup.practice.id,
        appointmentId: visit.appointmentId,
        patientUserId: visit.patient.userId,
        providerUserId: visit.setup.injector.userId,
      })
      .expect(200, { allowed: true });
    await admittedNudge;

    // Another practice's schedule hears nothing; the provider's own room events are no waiting change.
    expect(otherPractice.nudges).toEqual([]);
    const before = injector.nudges.length;
    await report({ ...roomEvent('room.join'), userId: visit.setup.injector.userId, role: 'provider' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(injector.nudges).toHaveLength(before);
    expect(otherPractice.nudges).toEqual([]);
    // Nothing in a nudge but its kind: no names, no identifiers.
    expect(JSON.stringify(injector.nudges)).not.toContain(visit.patient.userId);
    expect(JSON.stringify(injector.nudges)).not.toContain(visit.appointmentId);
  });

  it('refuses a patient (on record as access.denied), a bad token and a handshake without one, each with its code', async () => {
    expect(await refusalCode(listening.url, { token: visit.patient.accessToken })).toBe('forbidden');
    expect(await auditActionsFor(test, visit.setup.practice.id, 'GET /v1/live/socket.io')).toContain('access.denied');
    expect(await refusalCode(listening.url, { token: `${visit.setup.injector.accessToken.slice(0, -4)}AAAA` })).toBe('token_invalid');
    expect(await refusalCode(listening.url, { token: 'not-a-token' })).toBe('token_invalid');
    expect(await refusalCode(listening.url, {})).toBe('invalid_handshake');
    // Another audience's token (an SFU service token) is no access token.
    expect(await refusalCode(listening.url, { token: await service.sign() })).toBe('token_invalid');
  });

  it('ends the connection when the session ends (sign-out) and when the access token expires', async () => {
    const desk = await loginAs(test, visit.setup.practice.slug, 'front_desk');
    const connection = await connect(desk.accessToken);
    const gone = connection.disconnected(5000);
    await request(test.api.app).post('/v1/auth/logout').set('authorization', bearer(desk)).expect(204);
    expect(await gone).toBe('io server disconnect');
    expect(connection.ended).toEqual(['session_revoked']);
    // Signed out: the same token cannot reconnect.
    expect(await refusalCode(listening.url, { token: desk.accessToken })).toBe('session_revoked');

    const injector = visit.setup.injector;
    const shortLived = await issueAccessToken(test.api.services.tokens, 3, {
      userId: injector.userId,
      practiceId: injector.practiceId,
      role: injector.role,
      sessionId: sessionIdOf(injector.accessToken),
    });
    const expiring = await connect(shortLived);
    // Ended once the verifier stops accepting it: expiry plus its 5 s clock tolerance.
    expect(await expiring.disconnected(12_000)).toBe('io server disconnect');
    expect(expiring.ended).toEqual(['token_expired']);
    expect(await refusalCode(listening.url, { token: shortLived })).toBe('token_expired');
  });
});

/** The `sid` claim of an access token (the fixture's session), read without verifying. */
function sessionIdOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid: string };
  return payload.sid;
}

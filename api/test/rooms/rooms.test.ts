import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { E2EE_CERTIFICATE_AUDIENCE, ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER } from '@medspa/shared-types';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import request from 'supertest';
import { bearer, loginAs } from '../fixtures/identity.js';
import { countRows } from '../scheduling/schedulingFixtures.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { generateServiceKey, insertAppointment, setUpVisit, signTelehealthConsent, testTurnSecret } from './roomsFixtures.js';
import type { ServiceKey, VisitFixture } from './roomsFixtures.js';

describe('rooms: room tokens, SFU admission checks and room audit events, TURN credentials', () => {
  let test: TestApi;
  let service: ServiceKey;
  let visit: VisitFixture;
  const turnSecret = testTurnSecret();

  beforeAll(async () => {
    service = await generateServiceKey();
    test = await startTestApi({
      SFU_SERVICE_PUBLIC_JWK: service.publicJwk,
      TURN_SECRET: turnSecret,
      TURN_URIS: 'turn:turn.example.test:3478?transport=udp,turns:turn.example.test:5349',
      SFU_PUBLIC_URL: 'https://sfu.example.test',
    });
    visit = await setUpVisit(test);
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  const app = () => test.api.app;
  const auditCount = (action: string, outcome = 'success'): Promise<number> =>
    countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = $1 AND outcome = $2 AND entity_id = $3`, [action, outcome, visit.appointmentId]);

  describe('POST /v1/appointments/:appointmentId/room-token', () => {
    it('gives the patient and the provider a short-lived token bound to the room and their role', async () => {
      const jwks = (await request(app()).get('/.well-known/jwks.json').expect(200)).body as JSONWebKeySet;
      for (const [session, role] of [
        [visit.patient, 'patient'],
        [visit.setup.injector, 'provider'],
      ] as const) {
        const response = await request(app()).post(`/v1/appointments/${visit.appointmentId}/room-token`).set('authorization', bearer(session)).expect(201);
        const grant = response.body as { token: string; roomId: string; role: string; expiresAt: string; sfuUrl: string };
        expect(grant).toMatchObject({ roomId: visit.appointmentId, role, sfuUrl: 'https://sfu.example.test' });
        const { payload } = await jwtVerify(grant.token, createLocalJWKSet(jwks), {
          algorithms: ['ES256'],
          issuer: ROOM_TOKEN_ISSUER,
          audience: ROOM_TOKEN_AUDIENCE,
        });
        expect(payload).toMatchObject({ sub: session.userId, room: visit.appointmentId, role, practice: visit.setup.practice.id });
        expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(test.config.ROOM_TOKEN_TTL_SECONDS);
        expect(test.config.ROOM_TOKEN_TTL_SECONDS).toBeLessThanOrEqual(600);
      }
      expect(await auditCount('room.token_issued')).toBeGreaterThanOrEqual(2);
    });

    it('certifies the public key of a fresh per-join key pair: room, user, role, name and RFC 7638 thumbprint', async () => {
      const jwks = (await request(app()).get('/.well-known/jwks.json').expect(200)).body as JSONWebKeySet;
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
      const jwk = publicKey.export({ format: 'jwk' });
      const response = await request(app())
        .post(`/v1/appointments/${visit.appointmentId}/room-token`)
        .set('authorization', bearer(visit.patient))
        .send({ e2eePublicKey: raw.toString('base64url') })
        .expect(201);
      const { certificate } = response.body as { certificate: string };
      const { payload, protectedHeader } = await jwtVerify(certificate, createLocalJWKSet(jwks), {
        algorithms: ['ES256'],
        issuer: ROOM_TOKEN_ISSUER,
        audience: E2EE_CERTIFICATE_AUDIENCE,
      });
      expect(jwks.keys.map((key) => key.kid)).toContain(protectedHeader.kid);
      expect(payload).toMatchObject({
        sub: visit.patient.userId,
        room: visit.appointmentId,
        role: 'patient',
        cnf: { jkt: await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' }, 'sha256') },
      });
      expect(typeof payload.name).toBe('string');
      // A certificate is never a room token: the SFU refuses its audience.
      await expect(jwtVerify(certificate, createLocalJWKSet(jwks), { audience: ROOM_TOKEN_AUDIENCE })).rejects.toThrow();
      // Not a point on the curve, or not a key at all: 400, nothing signed.
      const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
      for (const e2eePublicKey of [offCurve, 'not-a-key']) {
        const refused = await request(app())
          .post(`/v1/appointments/${visit.appointmentId}/room-token`)
          .set('authorization', bearer(visit.patient))
          .send({ e2eePublicKey })
          .expect(400);
        expect(refused.body).toHaveProperty('code');
      }
    });

    it('refuses anyone who is not the patient or provider of that appointment', async () => {
      const refused = await request(app())
        .post(`/v1/appointments/${visit.appointmentId}/room-token`)
        .set('authorization', bearer(visit.otherPatient))
        .expect(403);
      expect(refused.body).toMatchObject({ code: 'not_appointment_participant' });
      expect(await auditCount('room.token_issued', 'denied')).toBe(1);
      const otherInjector = await loginAs(test, visit.setup.practice.slug, 'injector');
      await request(app()).post(`/v1/appointments/${visit.appointmentId}/room-token`).set('authorization', bearer(otherInjector)).expect(403);
      // Roles that never join rooms are refused by the route itself.
      await request(app()).post(`/v1/appointments/${visit.appointmentId}/room-token`).set('authorization', bearer(visit.setup.frontDesk)).expect(403);
      await request(app()).post(`/v1/appointments/${visit.appointmentId}/room-token`).expect(401);
    });

    it('answers 404 for unknown appointments, 400 for bad ids and 409 for inactive appointments', async () => {
      await request(app()).post(`/v1/appointments/${randomUUID()}/room-token`).set('authorization', bearer(visit.patient)).expect(404);
      await request(app()).post('/v1/appointments/not-a-uuid/room-token').set('authorization', bearer(visit.patient)).expect(400);
      const cancelled = await insertAppointment(test, visit.setup, visit.patient.userId, new Date(Date.now() + 40 * 24 * 3600_000), 'cancelled');
      const response = await request(app()).post(`/v1/appointments/${cancelled}/room-token`).set('authorization', bearer(visit.patient)).expect(409);
      expect(response.body).toMatchObject({ code: 'appointment_not_active' });
    });
  });

  describe('internal SFU endpoints', () => {
    const admissionBody = (): Record<string, string> => ({
      practiceId: visit.setup.practice.id,
      appointmentId: visit.appointmentId,
      patientUserId: visit.patient.userId,
      providerUserId: visit.setup.injector.userId,
    });

    it('refuse calls without a valid SFU service token', async () => {
      await request(app()).post('/internal/sfu/admission-checks').send(admissionBody()).expect(401);
      // A user's access token is not a service token.
      await request(app()).post('/internal/sfu/admission-checks').set('authorization', bearer(visit.setup.injector)).send(admissionBody()).expect(401);
      const wrongAudience = await service.sign({ audience: 'medspa-api' });
      await request(app()).post('/internal/sfu/admission-checks').set('authorization', `Bearer ${wrongAudience}`).send(admissionBody()).expect(401);
      const forged = await (await generateServiceKey()).sign();
      await request(app()).post('/internal/sfu/room-events').set('authorization', `Bearer ${forged}`).send({}).expect(401);
    });

    it('refuses admission without a current telehealth consent, then admits once signed; both audited', async () => {
      const token = await service.sign();
      const refused = await request(app()).post('/internal/sfu/admission-checks').set('authorization', `Bearer ${token}`).send(admissionBody()).expect(200);
      expect(refused.body).toEqual({ allowed: false, reason: 'no_telehealth_consent' });
      expect(await auditCount('room.admit_refused', 'denied')).toBe(1);

      await signTelehealthConsent(test, visit.setup, visit.patient);
      const allowed = await request(app()).post('/internal/sfu/admission-checks').set('authorization', `Bearer ${token}`).send(admissionBody()).expect(200);
      expect(allowed.body).toEqual({ allowed: true });
      const rows = await asOwner(test.database.url, (client) =>
        client.query<{ actor_user_id: string; actor_role: string; patient_id: string }>(
          `SELECT actor_user_id, actor_role, patient_id FROM audit_events WHERE action = 'room.admit' AND entity_id = $1`,
          [visit.appointmentId],
        ),
      );
      expect(rows.rows).toEqual([{ actor_user_id: visit.setup.injector.userId, actor_role: 'injector', patient_id: visit.patient.userId }]);
    });

    it('refuses admission for a provider without a valid license in the patient state, and for the wrong pair', async () => {
      const token = await service.sign();
      await asOwner(test.database.url, (client) => client.query(`UPDATE appointments SET patient_state = 'CA' WHERE id = $1`, [visit.appointmentId]));
      try {
        const unlicensed = await request(app()).post('/internal/sfu/admission-checks').set('authorization', `Bearer ${token}`).send(admissionBody()).expect(200);
        expect(unlicensed.body).toEqual({ allowed: false, reason: 'provider_not_licensed' });
      } finally {
        await asOwner(test.database.url, (client) => client.query(`UPDATE appointments SET patient_state = 'NY' WHERE id = $1`, [visit.appointmentId]));
      }
      const wrongPatient = await request(app())
        .post('/internal/sfu/admission-checks')
        .set('authorization', `Bearer ${token}`)
        .send({ ...admissionBody(), patientUserId: visit.otherPatient.userId })
        .expect(200);
      expect(wrongPatient.body).toEqual({ allowed: false, reason: 'not_appointment_participant' });
      const unknown = await request(app())
        .post('/internal/sfu/admission-checks')
        .set('authorization', `Bearer ${token}`)
        .send({ ...admissionBody(), appointmentId: randomUUID() })
        .expect(200);
      expect(unknown.body).toEqual({ allowed: false, reason: 'appointment_not_found' });
      await request(app()).post('/internal/sfu/admission-checks').set('authorization', `Bearer ${token}`).send({ practiceId: 'x' }).expect(400);
    });

    it('writes join, leave and E2EE state events to the audit trail with entity references only', async () => {
      const token = await service.sign();
      const peerId = randomUUID();
      const event = (type: string, extra: Record<string, string> = {}) => ({
        eventId: randomUUID(),
        type,
        practiceId: visit.setup.practice.id,
        appointmentId: visit.appointmentId,
        userId: visit.patient.userId,
        role: 'patient',
        peerId,
        occurredAt: new Date().toISOString(),
        ...extra,
      });
      for (const body of [event('room.join'), event('room.e2ee_state', { e2eeState: 'sas_verified' }), event('room.leave')]) {
        await request(app()).post('/internal/sfu/room-events').set('authorization', `Bearer ${token}`).send(body).expect(204);
      }
      const rows = await asOwner(test.database.url, (client) =>
        client.query<{ action: string; actor_user_id: string; patient_id: string; metadata: Record<string, unknown> }>(
          `SELECT action, actor_user_id, patient_id, metadata FROM audit_events
           WHERE entity_id = $1 AND action IN ('room.join', 'room.e2ee_state', 'room.leave') ORDER BY seq`,
          [visit.appointmentId],
        ),
      );
      expect(rows.rows.map((row) => row.action)).toEqual(['room.join', 'room.e2ee_state', 'room.leave']);
      expect(rows.rows[1]).toMatchObject({ actor_user_id: visit.patient.userId, patient_id: visit.patient.userId, metadata: { e2eeState: 'sas_verified', peerId } });
      // The SFU retries until acknowledged: a delivery of the same event id writes nothing more.
      const retried = event('room.leave');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await request(app()).post('/internal/sfu/room-events').set('authorization', `Bearer ${token}`).send(retried).expect(204);
      }
      const leaves = await asOwner(test.database.url, (client) =>
        client.query(`SELECT 1 FROM audit_events WHERE entity_id = $1 AND action = 'room.leave'`, [visit.appointmentId]),
      );
      expect(leaves.rowCount).toBe(2);
      await request(app())
        .post('/internal/sfu/room-events')
        .set('authorization', `Bearer ${token}`)
        .send({ ...event('room.join'), eventId: 'not-a-uuid' })
        .expect(400);
      await request(app())
        .post('/internal/sfu/room-events')
        .set('authorization', `Bearer ${token}`)
        .send({ ...event('room.join'), appointmentId: randomUUID() })
        .expect(404);
      await request(app()).post('/internal/sfu/room-events').set('authorization', `Bearer ${token}`).send({ ...event('room.admit') }).expect(400);
    });
  });

  describe('GET /v1/turn-credentials', () => {
    it('issues TURN REST API credentials to signed-in users only', async () => {
      await request(app()).get('/v1/turn-credentials').expect(401);
      const response = await request(app()).get('/v1/turn-credentials').set('authorization', bearer(visit.patient)).expect(200);
      const body = response.body as { username: string; credential: string; ttl: number; uris: string[] };
      expect(body.username).toMatch(new RegExp(`^\\d+:${visit.patient.userId}$`));
      expect(body.uris).toEqual(['turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:5349']);
      expect(body.ttl).toBe(test.config.TURN_CREDENTIAL_TTL_SECONDS);
      expect(test.logs.text()).not.toContain(turnSecret);
    });
  });
});

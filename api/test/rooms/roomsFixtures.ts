import { randomBytes } from 'node:crypto';
import { SFU_SERVICE_AUDIENCE, SFU_SERVICE_ISSUER } from '@medspa/shared-types';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { KeyLike } from 'jose';
import request from 'supertest';
import { bearer, loginAs } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import { addInjector, setUpBookablePractice } from '../scheduling/schedulingFixtures.js';
import type { BookablePractice } from '../scheduling/schedulingFixtures.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

/** An SFU service key pair made for this test run: the API gets the public half only. */
export interface ServiceKey {
  publicJwk: string;
  privateKey: KeyLike;
  sign: (options?: { audience?: string; issuer?: string; ttlSeconds?: number }) => Promise<string>;
}

export async function generateServiceKey(): Promise<ServiceKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = JSON.stringify({ ...(await exportJWK(publicKey)), kid: 'sfu-test' });
  return {
    publicJwk,
    privateKey,
    sign: ({ audience = SFU_SERVICE_AUDIENCE, issuer = SFU_SERVICE_ISSUER, ttlSeconds = 60 } = {}) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'sfu-test' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject('sfu')
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey),
  };
}

/** A TURN secret made for this run (coturn's static-auth-secret). */
export const testTurnSecret = (): string => randomBytes(32).toString('base64url');

export interface VisitFixture {
  setup: BookablePractice;
  patient: LoggedIn;
  otherPatient: LoggedIn;
  /** An appointment starting in five minutes: inside the admission window now. */
  appointmentId: string;
}

/**
 * A practice with a licensed (NY) injector, a patient and a virtual consult starting in five
 * minutes. The appointment row is inserted as the owner because booking rules (working
 * hours) depend on the wall clock; everything else goes through the real API.
 */
export async function setUpVisit(test: TestApi): Promise<VisitFixture> {
  const setup = await setUpBookablePractice(test);
  const patient = await loginAs(test, setup.practice.slug, 'patient');
  const otherPatient = await loginAs(test, setup.practice.slug, 'patient');
  const appointmentId = await insertAppointment(test, setup, patient.userId, new Date(Date.now() + 5 * 60_000));
  return { setup, patient, otherPatient, appointmentId };
}

export async function insertAppointment(test: TestApi, setup: BookablePractice, patientId: string, startsAt: Date, status = 'booked'): Promise<string> {
  const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
  const result = await asOwner(test.database.url, (client) =>
    client.query<{ id: string }>(
      `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, starts_at, ends_at, occupied,
         status, patient_state, patient_time_zone, cancelled_at)
       VALUES ($1, $2, $3, $4, 'virtual_consult', $5, $6, tstzrange($5, $6), $7, 'NY', 'America/New_York',
         CASE WHEN $7 = 'cancelled' THEN now() END)
       RETURNING id`,
      [setup.practice.id, setup.consultTypeId, setup.injector.userId, patientId, startsAt, endsAt, status],
    ),
  );
  const id = result.rows[0]?.id;
  if (id === undefined) throw new Error('appointment insert returned no row');
  return id;
}

/** Publishes a telehealth consent (as a medical director) and has the patient sign it. */
export async function signTelehealthConsent(test: TestApi, setup: BookablePractice, patient: LoggedIn): Promise<void> {
  const app = test.api.app;
  let current = await request(app).get('/v1/consent-documents/current/telehealth').set('authorization', bearer(patient));
  if (current.status === 404) {
    // Only the first signer of a practice needs a director to publish the document.
    const author = await loginAs(test, setup.practice.slug, 'medical_director');
    const draft = await request(app)
      .post('/v1/consent-documents')
      .set('authorization', bearer(author))
      .send({ kind: 'telehealth', title: 'Telehealth consent', body: 'Telehealth consent text' })
      .expect(201);
    await request(app).post(`/v1/consent-documents/${(draft.body as { id: string }).id}/publish`).set('authorization', bearer(author)).expect(200);
    current = await request(app).get('/v1/consent-documents/current/telehealth').set('authorization', bearer(patient)).expect(200);
  }
  const document = current.body as { id: string; bodySha256: string };
  await request(app)
    .post(`/v1/consent-documents/${document.id}/signatures`)
    .set('authorization', bearer(patient))
    .send({ signatureName: 'Test Patient', documentSha256: document.bodySha256 })
    .expect(201);
}

/** One consult of a load test: its own patient and provider, both signed in. */
export interface ConsultPair {
  setup: BookablePractice;
  patient: LoggedIn;
  provider: LoggedIn;
  /** A virtual consult starting in five minutes: inside the admission window now. */
  appointmentId: string;
}

/**
 * `count` consults for distinct patient / provider pairs, `perPractice` to a practice (each
 * provider licensed in New York, each patient has signed the telehealth consent), for load
 * tests such as bench/cluster-rooms.mjs. Practices are set up in parallel, up to
 * `concurrency` at once; within one practice one after the other, since writes in a
 * practice queue on its audit chain anyway.
 */
export async function setUpConsults(test: TestApi, count: number, { perPractice = 10, concurrency = 4 } = {}): Promise<ConsultPair[]> {
  const consults: ConsultPair[] = [];
  const practices = Math.ceil(count / perPractice);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let index = next++; index < practices; index = next++) {
      const setup = await setUpBookablePractice(test);
      for (let seat = index * perPractice; seat < Math.min(count, (index + 1) * perPractice); seat += 1) {
        const provider = seat === index * perPractice ? setup.injector : await addInjector(test, setup);
        const patient = await loginAs(test, setup.practice.slug, 'patient');
        await signTelehealthConsent(test, setup, patient);
        const appointmentId = await insertAppointment(test, { ...setup, injector: provider }, patient.userId, new Date(Date.now() + 5 * 60_000));
        consults[seat] = { setup, patient, provider, appointmentId };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, practices) }, lane));
  return consults;
}

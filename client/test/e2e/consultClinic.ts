/** The practice a browser consult test starts from (consult, reconnect and cluster tests). */
import request from 'supertest';
import { ensureProviderProfile, insertAppointment } from '../../../api/test/clinical/clinicalFixtures.js';
import { bearer, createUser, loginAs, seedPractice } from '../../../api/test/fixtures/identity.js';
import type { LoggedIn, SeededPractice, TestUser } from '../../../api/test/fixtures/identity.js';
import type { TestApi } from '../../../api/test/testApi.js';

export interface ConsultClinic {
  practice: SeededPractice;
  /** An admin session, for further setup through the API. */
  seeder: LoggedIn;
  injector: TestUser;
  patient: TestUser;
  /** A virtual consult that started five minutes ago (inside the admission window). */
  appointmentId: string;
}

/**
 * A practice with an injector licensed in CT, a published telehealth consent and a patient
 * with a virtual consult that is on now: everything a room needs before anyone joins.
 */
export async function seedConsultClinic(test: TestApi, appointmentMinutes: number): Promise<ConsultClinic> {
  const practice = await seedPractice(test);
  const seeder = await loginAs(test, practice.slug, 'admin');
  const injector = await createUser(test, practice.id, 'injector', { givenName: 'Ivy', familyName: 'Injector' });
  const patient = await createUser(test, practice.id, 'patient', { givenName: 'Pat', familyName: 'Patient' });
  await ensureProviderProfile(test, practice.id, injector.id);
  const app = test.api.app;
  await request(app)
    .post(`/v1/providers/${injector.id}/licenses`)
    .set('authorization', bearer(seeder))
    .send({ state: 'CT', licenseNumber: 'APRN.0001', validFrom: '2020-01-01', expiresOn: '2099-12-31' })
    .expect(201);
  const draft = await request(app)
    .post('/v1/consent-documents')
    .set('authorization', bearer(seeder))
    .send({ kind: 'telehealth', title: 'Telehealth consent', body: 'I agree to receive care by video. Video is end-to-end encrypted.' })
    .expect(201);
  await request(app).post(`/v1/consent-documents/${(draft.body as { id: string }).id}/publish`).set('authorization', bearer(seeder)).expect(200);
  const appointmentId = await insertAppointment(test, practice.id, {
    providerId: injector.id,
    patientId: patient.id,
    kind: 'virtual_consult',
    startsAt: new Date(Date.now() - 5 * 60_000),
    minutes: appointmentMinutes,
    status: 'booked',
  });
  return { practice, seeder, injector, patient, appointmentId };
}

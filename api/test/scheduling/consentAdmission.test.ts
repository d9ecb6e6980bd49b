import { createHash } from 'node:crypto';
import request from 'supertest';
import { withTenant } from '../../src/db/tenantTransaction.js';
import { checkAdmission } from '../../src/modules/scheduling/admission.js';
import type { AdmissionDecision } from '../../src/modules/scheduling/admission.js';
import { bearer, loginAs } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { countRows, setUpBookablePractice } from './schedulingFixtures.js';
import type { BookablePractice } from './schedulingFixtures.js';

interface DocumentBody {
  id: string;
  version: number;
  bodySha256: string;
  publishedAt: string | null;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const SIGNATURE_NAME = 'Jordan Q. Patientname';

describe('consent documents, e-signatures and admission', () => {
  let test: TestApi;
  let setup: BookablePractice;
  let patient: LoggedIn;
  let author: LoggedIn;

  beforeAll(async () => {
    test = await startTestApi();
    setup = await setUpBookablePractice(test);
    patient = await loginAs(test, setup.practice.slug, 'patient');
    author = await loginAs(test, setup.practice.slug, 'medical_director');
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  const app = () => test.api.app;
  const draft = async (kind: 'telehealth' | 'treatment', body: string): Promise<DocumentBody> => {
    const response = await request(app())
      .post('/v1/consent-documents')
      .set('authorization', bearer(author))
      .send({ kind, title: `${kind} consent`, body })
      .expect(201);
    return response.body as DocumentBody;
  };
  const publish = async (id: string): Promise<DocumentBody> =>
    (await request(app()).post(`/v1/consent-documents/${id}/publish`).set('authorization', bearer(author)).expect(200)).body as DocumentBody;
  const sign = (as: LoggedIn, document: DocumentBody, digest = document.bodySha256) =>
    request(app())
      .post(`/v1/consent-documents/${document.id}/signatures`)
      .set('authorization', bearer(as))
      .set('user-agent', 'consent-test-agent/1.0')
      .send({ signatureName: SIGNATURE_NAME, documentSha256: digest });
  const admission = (appointmentId: string, at: Date): Promise<AdmissionDecision> =>
    withTenant(test.api.services.dataSource, setup.practice.id, (manager) => checkAdmission(manager, { appointmentId, at }));
  const bookConsult = async (startsAt: string, patientState = 'NY'): Promise<{ id: string; startsAt: string }> => {
    const response = await request(app())
      .post('/v1/appointments')
      .set('authorization', bearer(patient))
      .send({
        appointmentTypeId: setup.consultTypeId,
        providerId: setup.injector.userId,
        startsAt,
        patientState,
        patientTimeZone: 'America/New_York',
      })
      .expect(201);
    return response.body as { id: string; startsAt: string };
  };

  it('versions documents per kind and freezes them once published', async () => {
    const first = await draft('telehealth', 'Telehealth consent v1 text');
    const treatment = await draft('treatment', 'Treatment consent v1 text');
    expect(first.version).toBe(1);
    expect(treatment.version).toBe(1);
    expect(first.bodySha256).toBe(sha256('Telehealth consent v1 text'));
    // Drafts may change; the digest follows the body.
    const edited = await request(app())
      .put(`/v1/consent-documents/${first.id}`)
      .set('authorization', bearer(author))
      .send({ title: 'Telehealth consent', body: 'Telehealth consent v1 final text' })
      .expect(200);
    expect((edited.body as DocumentBody).bodySha256).toBe(sha256('Telehealth consent v1 final text'));
    const published = await publish(first.id);
    expect(published.publishedAt).not.toBeNull();
    await request(app())
      .put(`/v1/consent-documents/${first.id}`)
      .set('authorization', bearer(author))
      .send({ title: 'Changed', body: 'Changed' })
      .expect(409)
      .expect((response) => { expect(response.body).toMatchObject({ code: 'consent_document_published' }); });
    // The database refuses too, even for the owner.
    await expect(
      asOwner(test.database.url, (client) => client.query(`UPDATE consent_documents SET body = 'tampered' WHERE id = $1`, [first.id])),
    ).rejects.toMatchObject({ code: '42501' });
    const second = await draft('telehealth', 'Telehealth consent v2 text');
    expect(second.version).toBe(2);
  });

  it('refuses admission without a current telehealth consent, and admits once it is signed', async () => {
    const appointment = await bookConsult('2027-06-07T14:00:00Z');
    const at = new Date('2027-06-07T13:55:00Z');
    expect(await admission(appointment.id, at)).toEqual({ ok: false, reason: 'no_telehealth_consent' });

    const current = (await request(app()).get('/v1/consent-documents/current/telehealth').set('authorization', bearer(patient)).expect(200))
      .body as DocumentBody;
    expect(current.version).toBe(1);
    await sign(patient, current, sha256('some other text'))
      .expect(409)
      .expect((response) => { expect(response.body).toMatchObject({ code: 'document_digest_mismatch' }); });
    const signed = await sign(patient, current).expect(201);
    expect(signed.body).toMatchObject({ kind: 'telehealth', version: 1 });
    await sign(patient, current).expect(409);

    const stored = await asOwner(test.database.url, (client) =>
      client.query<{ signature_name: string; user_agent: string; ip: string | null; signed_at: Date; document_sha256: string }>(
        `SELECT signature_name, user_agent, ip, signed_at, document_sha256 FROM consent_signatures WHERE patient_id = $1`,
        [patient.userId],
      ),
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]).toMatchObject({ signature_name: SIGNATURE_NAME, user_agent: 'consent-test-agent/1.0', document_sha256: current.bodySha256 });
    expect(stored.rows[0]?.ip).toEqual(expect.any(String));

    expect(await admission(appointment.id, at)).toEqual({
      ok: true,
      appointmentId: appointment.id,
      providerId: setup.injector.userId,
      patientId: patient.userId,
      patientState: 'NY',
    });
    // The typed name is PHI: it reaches neither the audit trail nor the logs.
    expect(test.logs.text()).not.toContain(SIGNATURE_NAME);
    expect(await countRows(test, `SELECT count(*) AS n FROM audit_events WHERE action = 'consent.sign' AND patient_id = $1`, [patient.userId])).toBe(1);
  });

  it('treats a newer published telehealth version as not yet consented', async () => {
    const appointment = await bookConsult('2027-06-08T14:00:00Z');
    const drafts = (await request(app()).get('/v1/consent-documents').query({ kind: 'telehealth' }).set('authorization', bearer(author)).expect(200))
      .body as DocumentBody[];
    const second = drafts.find((document) => document.version === 2);
    if (second === undefined) throw new Error('version 2 draft missing');
    await publish(second.id);
    expect(await admission(appointment.id, new Date('2027-06-08T14:05:00Z'))).toEqual({ ok: false, reason: 'no_telehealth_consent' });
    const status = await request(app()).get(`/v1/patients/${patient.userId}/consents`).set('authorization', bearer(patient)).expect(200);
    expect(status.body).toEqual([
      { kind: 'telehealth', currentVersion: 2, current: false, signedVersions: [{ version: 1, signedAt: expect.any(String) as string }] },
      { kind: 'treatment', currentVersion: null, current: false, signedVersions: [] },
    ]);
    expect(second.bodySha256).toBe(sha256('Telehealth consent v2 text'));
    await sign(patient, second).expect(201);
    expect((await admission(appointment.id, new Date('2027-06-08T14:05:00Z'))).ok).toBe(true);
  });

  it('refuses outside the visit window and for inactive appointments', async () => {
    const appointment = await bookConsult('2027-06-09T14:00:00Z');
    expect(await admission(appointment.id, new Date('2027-06-09T13:00:00Z'))).toEqual({ ok: false, reason: 'outside_visit_window' });
    expect(await admission(appointment.id, new Date('2027-06-09T14:30:00Z'))).toEqual({ ok: false, reason: 'outside_visit_window' });
    await request(app()).post(`/v1/appointments/${appointment.id}/cancel`).set('authorization', bearer(patient)).expect(200);
    expect(await admission(appointment.id, new Date('2027-06-09T14:00:00Z'))).toEqual({ ok: false, reason: 'appointment_not_active' });
    expect(await admission('00000000-0000-4000-8000-000000000000', new Date())).toEqual({ ok: false, reason: 'appointment_not_found' });
  });

  it('checks the license against the location confirmed at check-in, and a revoked license', async () => {
    const appointment = await bookConsult('2027-06-10T14:00:00Z');
    const at = new Date('2027-06-10T14:00:00Z');
    expect((await admission(appointment.id, at)).ok).toBe(true);
    const checkedIn = await request(app())
      .post(`/v1/appointments/${appointment.id}/check-in`)
      .set('authorization', bearer(patient))
      .send({ patientState: 'NJ' })
      .expect(200);
    expect(checkedIn.body).toMatchObject({ status: 'checked_in', patientState: 'NY', confirmedState: 'NJ' });
    expect(await admission(appointment.id, at)).toEqual({ ok: false, reason: 'provider_not_licensed' });
    await request(app())
      .post(`/v1/appointments/${appointment.id}/check-in`)
      .set('authorization', bearer(patient))
      .send({ patientState: 'NY' })
      .expect(200);
    expect((await admission(appointment.id, at)).ok).toBe(true);

    const licenses = (
      await request(app()).get(`/v1/providers/${setup.injector.userId}/licenses`).set('authorization', bearer(setup.admin)).expect(200)
    ).body as { id: string }[];
    const license = licenses[0];
    if (license === undefined) throw new Error('license missing');
    await request(app()).post(`/v1/providers/${setup.injector.userId}/licenses/${license.id}/revoke`).set('authorization', bearer(setup.admin)).expect(200);
    expect(await admission(appointment.id, at)).toEqual({ ok: false, reason: 'provider_not_licensed' });
  });

  it('lets only patients sign, and keeps other patients’ consent status private', async () => {
    const current = (await request(app()).get('/v1/consent-documents/current/telehealth').set('authorization', bearer(patient)).expect(200))
      .body as DocumentBody;
    await sign(setup.frontDesk, current).expect(403);
    const other = await loginAs(test, setup.practice.slug, 'patient');
    await request(app()).get(`/v1/patients/${patient.userId}/consents`).set('authorization', bearer(other)).expect(404);
    await request(app()).get(`/v1/patients/${patient.userId}/consents`).set('authorization', bearer(setup.frontDesk)).expect(200);
    await expect(
      asOwner(test.database.url, (client) => client.query(`DELETE FROM consent_signatures WHERE patient_id = $1`, [patient.userId])),
    ).rejects.toMatchObject({ code: '42501' });
  });
});

import request from 'supertest';
import type { LoggedIn } from '../fixtures/identity.js';
import { bearer } from '../fixtures/identity.js';
import { insertAppointment } from '../clinical/clinicalFixtures.js';
import type { TestApi } from '../testApi.js';

/** Intake answers as a patient would give them. */
export function intakeContent(medications: string): Record<string, string> {
  return {
    medicalHistory: 'Migraines',
    medications,
    allergies: 'Penicillin',
    pregnancyOrBreastfeeding: 'no',
    priorInjectables: 'Neuromodulator 2024',
    priorComplications: 'None',
  };
}

/** A treatment record body with two face-map sites. */
export function treatmentContent(lotNumber: string, lotExpiry = '2099-12-31'): Record<string, unknown> {
  return {
    product: 'Botox Cosmetic',
    lotNumber,
    lotExpiry,
    unit: 'units',
    totalAmount: 20,
    sites: [
      { x: 0.42, y: 0.22, label: 'Glabella left', amount: 10 },
      { x: 0.58, y: 0.22, label: 'Glabella right', amount: 10 },
    ],
    notes: 'Tolerated well',
  };
}

async function ok(response: request.Response, status: number): Promise<Record<string, unknown>> {
  if (response.status !== status) {
    throw new Error(`chart fixture: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  }
  return Promise.resolve(response.body as Record<string, unknown>);
}

/**
 * A signed Good Faith Exam clearing `serviceCode` for the patient (through the notes API),
 * so treatments of that service may be recorded.
 */
export async function clearForService(
  test: TestApi,
  practiceId: string,
  provider: LoggedIn,
  patient: LoggedIn,
  serviceCode = 'neuromodulator',
  validForDays = 180,
): Promise<{ noteId: string; appointmentId: string }> {
  const app = request(test.api.app);
  const appointmentId = await insertAppointment(test, practiceId, {
    providerId: provider.userId,
    patientId: patient.userId,
    kind: 'gfe',
    startsAt: new Date(Date.now() - 3 * 86_400_000 + Math.floor(Math.random() * 86_400_000)),
  });
  const note = await ok(
    await app
      .post(`/v1/appointments/${appointmentId}/note`)
      .set('authorization', bearer(provider))
      .send({ template: 'gfe', content: { history: 'h', contraindications: 'none', servicesAssessed: [{ serviceCode, outcome: 'cleared', validForDays }] } }),
    201,
  );
  const noteId = String(note.id);
  await ok(await app.post(`/v1/notes/${noteId}/sign`).set('authorization', bearer(provider)).send({ expectedVersion: 1 }), 200);
  return { noteId, appointmentId };
}

/** An in-person treatment visit (kind treatment) of the patient with the provider. */
export function treatmentVisit(test: TestApi, practiceId: string, provider: LoggedIn, patient: LoggedIn, startsAt?: Date): Promise<string> {
  return insertAppointment(test, practiceId, {
    providerId: provider.userId,
    patientId: patient.userId,
    kind: 'treatment',
    serviceCode: 'neuromodulator',
    status: 'checked_in',
    ...(startsAt === undefined ? {} : { startsAt }),
  });
}

export { ok };

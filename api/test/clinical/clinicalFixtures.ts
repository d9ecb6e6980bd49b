import { randomBytes } from 'node:crypto';
import type { Role } from '@medspa/shared-types';
import request from 'supertest';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

/**
 * Clinical-record fixtures. Appointments are inserted directly with the owner connection
 * (the booking rules are scheduling's to test); notes, outcomes and photos then go
 * through the real API.
 */

export type AppointmentKind = 'virtual_consult' | 'gfe' | 'follow_up' | 'treatment';

export interface Clinic {
  practice: SeededPractice;
  provider: LoggedIn;
  patient: LoggedIn;
}

/** Gives a provider the profile row appointments reference. */
export async function ensureProviderProfile(test: TestApi, practiceId: string, userId: string): Promise<void> {
  await asOwner(test.database.url, (client) =>
    client.query(
      `INSERT INTO provider_profiles (practice_id, user_id, credential, specialties, time_zone)
       VALUES ($1, $2, 'NP', ARRAY['aesthetics'], 'America/New_York') ON CONFLICT DO NOTHING`,
      [practiceId, userId],
    ),
  );
}

/** A practice with a signed-in injector (with a provider profile) and a signed-in patient. */
export async function seedClinic(test: TestApi, providerRole: Role = 'injector'): Promise<Clinic> {
  const practice = await seedPractice(test);
  const provider = await loginAs(test, practice.slug, providerRole);
  await ensureProviderProfile(test, practice.id, provider.userId);
  const patient = await loginAs(test, practice.slug, 'patient');
  return { practice, provider, patient };
}

export interface AppointmentSpec {
  providerId: string;
  patientId: string;
  kind: AppointmentKind;
  serviceCode?: string | null;
  startsAt?: Date;
  minutes?: number;
  status?: string;
}

/** Six months before this test run, on a whole minute. */
const FIXTURE_EPOCH_MS = Math.floor((Date.now() - 183 * 86_400_000) / 60_000) * 60_000;

/** Inserts an appointment (and a type for it) as the owner; returns its id. */
export async function insertAppointment(test: TestApi, practiceId: string, spec: AppointmentSpec): Promise<string> {
  const serviceCode = spec.serviceCode ?? (spec.kind === 'treatment' ? 'neuromodulator' : null);
  const minutes = spec.minutes ?? 30;
  // Spread appointments out so the exclusion constraints never meet in fixtures. They
  // start at most six months back, so the visit keeps its provider on the patient's care
  // team (kernel/careTeam.ts: an appointment in the last 12 months or upcoming).
  const startsAt = spec.startsAt ?? new Date(FIXTURE_EPOCH_MS + randomBytes(3).readUIntBE(0, 3) * 60_000);
  const endsAt = new Date(startsAt.getTime() + minutes * 60_000);
  return asOwner(test.database.url, async (client) => {
    const type = await client.query<{ id: string }>(
      `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes, service_code)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [practiceId, `Type ${spec.kind}`, spec.kind, minutes, serviceCode],
    );
    const status = spec.status ?? 'completed';
    const rows = await client.query<{ id: string }>(
      `INSERT INTO appointments (practice_id, appointment_type_id, provider_id, patient_id, kind, service_code,
         starts_at, ends_at, occupied, status, patient_state, patient_time_zone, cancelled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, tstzrange($7, $8, '[)'), $9, 'CT', 'America/New_York',
         CASE WHEN $9 = 'cancelled' THEN now() END)
       RETURNING id`,
      [practiceId, type.rows[0]?.id, spec.providerId, spec.patientId, spec.kind, serviceCode, startsAt, endsAt, status],
    );
    const id = rows.rows[0]?.id;
    if (id === undefined) throw new Error('appointment insert returned no row');
    return id;
  });
}

/** Audit events of a practice for one entity, oldest first (owner read). */
export async function auditActionsFor(test: TestApi, practiceId: string, entityId: string): Promise<string[]> {
  const rows = await asOwner(test.database.url, (client) =>
    client.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE practice_id = $1 AND entity_id = $2 ORDER BY seq`,
      [practiceId, entityId],
    ),
  );
  return rows.rows.map((row) => row.action);
}

/** A supertest agent call with the session's bearer token. */
export function as(test: TestApi, session: LoggedIn) {
  const app = request(test.api.app);
  const auth = bearer(session);
  return {
    get: (path: string) => app.get(path).set('authorization', auth),
    post: (path: string) => app.post(path).set('authorization', auth),
    put: (path: string) => app.put(path).set('authorization', auth),
  };
}

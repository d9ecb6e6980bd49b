import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

type App = Parameters<typeof request>[0];

/**
 * A practice ready to book: an admin, a front desk user, one injector with a profile, a
 * New York license and 09:00-17:00 hours every day in America/New_York, and three
 * appointment types (30-minute consult with a 10-minute buffer after, 10-minute
 * follow-up, 45-minute GFE with 5-minute buffers).
 */
export interface BookablePractice {
  practice: SeededPractice;
  admin: LoggedIn;
  frontDesk: LoggedIn;
  injector: LoggedIn;
  consultTypeId: string;
  followUpTypeId: string;
  gfeTypeId: string;
}

export const PROVIDER_ZONE = 'America/New_York';

async function expectStatus(response: request.Response, status: number): Promise<Record<string, unknown>> {
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return Promise.resolve(response.body as Record<string, unknown>);
}

/** Gives an injector the profile, New York license and hours {@link BookablePractice} describes, as the admin. */
async function equipInjector(app: App, auth: string, injector: LoggedIn): Promise<void> {
  await expectStatus(
    await request(app)
      .put(`/v1/providers/${injector.userId}/profile`)
      .set('authorization', auth)
      .send({ credential: 'NP', specialties: ['neuromodulators'], timeZone: PROVIDER_ZONE }),
    200,
  );
  await expectStatus(
    await request(app)
      .post(`/v1/providers/${injector.userId}/licenses`)
      .set('authorization', auth)
      .send({ state: 'NY', licenseNumber: 'NY-123456', validFrom: '2026-01-01', expiresOn: '2028-12-31' }),
    201,
  );
  await expectStatus(
    await request(app)
      .put(`/v1/providers/${injector.userId}/availability`)
      .set('authorization', auth)
      .send({ rules: [1, 2, 3, 4, 5, 6, 7].map((isoWeekday) => ({ isoWeekday, startTime: '09:00', endTime: '17:00' })) }),
    200,
  );
}

/** Sets up {@link BookablePractice} through the real API. */
export async function setUpBookablePractice(test: TestApi, app: App = test.api.app): Promise<BookablePractice> {
  const practice = await seedPractice(test);
  const admin = await loginAs(test, practice.slug, 'admin');
  const frontDesk = await loginAs(test, practice.slug, 'front_desk');
  const injector = await loginAs(test, practice.slug, 'injector');
  const auth = bearer(admin);
  await equipInjector(app, auth, injector);
  const createType = async (body: Record<string, unknown>): Promise<string> => {
    const created = await expectStatus(await request(app).post('/v1/appointment-types').set('authorization', auth).send(body), 201);
    return created.id as string;
  };
  const consultTypeId = await createType({ name: 'Virtual consult', kind: 'virtual_consult', durationMinutes: 30, bufferAfterMinutes: 10 });
  const followUpTypeId = await createType({ name: 'Follow-up', kind: 'follow_up', durationMinutes: 10 });
  const gfeTypeId = await createType({
    name: 'Good Faith Exam',
    kind: 'gfe',
    durationMinutes: 45,
    bufferBeforeMinutes: 5,
    bufferAfterMinutes: 5,
  });
  return { practice, admin, frontDesk, injector, consultTypeId, followUpTypeId, gfeTypeId };
}

/** Another signed-in injector of the practice, licensed and working like the first one. */
export async function addInjector(test: TestApi, setup: BookablePractice, app: App = test.api.app): Promise<LoggedIn> {
  const injector = await loginAs(test, setup.practice.slug, 'injector');
  await equipInjector(app, bearer(setup.admin), injector);
  return injector;
}

/**
 * Inserts patients directly (they never sign in, so they need no real password hash):
 * the concurrency test books for hundreds of distinct patients.
 */
export async function insertPatients(test: TestApi, practiceId: string, count: number): Promise<string[]> {
  const result = await asOwner(test.database.url, (client) =>
    client.query<{ id: string }>(
      `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
       SELECT $1, 'patient', 'bulk-' || $2 || '-' || n || '@example.test', '!', 'Bulk', 'Patient' || n
       FROM generate_series(1, $3::int) AS n RETURNING id`,
      [practiceId, randomUUID().slice(0, 8), count],
    ),
  );
  return result.rows.map((row) => row.id);
}

/** Counts rows as the owner (bypassing row-level security), for "nothing was written" checks. */
export async function countRows(test: TestApi, sql: string, params: unknown[] = []): Promise<number> {
  const result = await asOwner(test.database.url, (client) => client.query<{ n: string }>(sql, params));
  return Number(result.rows[0]?.n ?? 0);
}

import request from 'supertest';
import { bearer } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { setUpVisit } from './roomsFixtures.js';
import type { VisitFixture } from './roomsFixtures.js';

/**
 * A consult is mostly watching and listening: without a heartbeat the 15-minute idle logoff
 * (HIPAA 164.312(a)(2)(iii)) would end the session mid-visit. The room sends one every
 * minute while connected (client/src/room/RoomConnection.ts); a closed tab sends none.
 */
describe('room heartbeat keeps an active consult signed in', () => {
  let test: TestApi;
  let visit: VisitFixture;

  beforeAll(async () => {
    test = await startTestApi({});
    visit = await setUpVisit(test);
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  const heartbeat = (session: LoggedIn | null) => {
    const call = request(test.api.app).post(`/v1/appointments/${visit.appointmentId}/room-heartbeat`);
    return session === null ? call : call.set('authorization', bearer(session));
  };

  async function backdateActivity(session: LoggedIn, seconds: number): Promise<void> {
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE sessions SET last_activity_at = now() - make_interval(secs => $2) WHERE user_id = $1`, [session.userId, seconds]),
    );
  }

  async function secondsSinceActivity(session: LoggedIn): Promise<number> {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ idle: number }>(`SELECT extract(epoch FROM now() - last_activity_at)::float8 AS idle FROM sessions WHERE user_id = $1`, [
        session.userId,
      ]),
    );
    return result.rows[0]?.idle ?? Number.NaN;
  }

  it('counts as activity: a 45-minute passive consult with heartbeats stays signed in', async () => {
    const idleLimit = test.config.IDLE_TIMEOUT_SECONDS;
    for (let quarter = 0; quarter < 3; quarter += 1) {
      // Just short of the idle limit since the last heartbeat (nothing else was clicked).
      await backdateActivity(visit.patient, idleLimit - 60);
      await heartbeat(visit.patient).expect(204);
      expect(await secondsSinceActivity(visit.patient)).toBeLessThan(30);
    }
    await request(test.api.app).get('/v1/me').set('authorization', bearer(visit.patient)).expect(200);
    await heartbeat(visit.patient).expect(204);
  });

  it('does not keep a closed tab alive: without heartbeats the idle logoff still happens', async () => {
    await backdateActivity(visit.patient, test.config.IDLE_TIMEOUT_SECONDS + 5);
    const refused = await heartbeat(visit.patient).expect(401);
    expect(refused.body).toMatchObject({ code: 'session_idle_timeout' });
    const audited = await asOwner(test.database.url, (client) =>
      client.query<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE action = 'auth.idle_timeout' AND actor_user_id = $1`, [
        visit.patient.userId,
      ]),
    );
    expect(Number(audited.rows[0]?.n)).toBe(1);
  });

  it('is for room participants only, and needs a session', async () => {
    await heartbeat(null).expect(401);
    await heartbeat(visit.setup.frontDesk).expect(403);
    await request(test.api.app).post('/v1/appointments/not-a-uuid/room-heartbeat').set('authorization', bearer(visit.otherPatient)).expect(400);
  });
});

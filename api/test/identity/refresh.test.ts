import request from 'supertest';
import { asOwner } from '../testDatabase.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { SeededPractice } from '../fixtures/identity.js';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

describe('refresh token rotation', () => {
  let test: TestApi;
  let practice: SeededPractice;

  beforeAll(async () => {
    test = await startTestApi({ PASSWORD_HASH_PROFILE: 'test_minimum' });
    practice = await seedPractice(test);
  });

  afterAll(async () => {
    await test.close();
  });

  const refresh = (refreshToken: string) => request(test.api.app).post('/v1/auth/refresh').send({ refreshToken });

  it('rotates on every refresh and stores only a digest', async () => {
    const session = await loginAs(test, practice.slug, 'patient');
    // 256 bits of base64url after the practice id.
    expect(session.refreshToken).toMatch(new RegExp(`^${practice.id}\\.[A-Za-z0-9_-]{43}$`));
    const first = (await refresh(session.refreshToken).expect(200)).body as Pair;
    expect(first.refreshToken).not.toBe(session.refreshToken);
    await request(test.api.app).get('/v1/me').set('authorization', bearer(first)).expect(200);
    const second = (await refresh(first.refreshToken).expect(200)).body as Pair;
    expect(second.refreshToken).not.toBe(first.refreshToken);

    const stored = await asOwner(test.database.url, (client) =>
      client.query<{ token_hash: string }>(`SELECT token_hash FROM refresh_tokens WHERE practice_id = $1`, [practice.id]),
    );
    const secretPart = second.refreshToken.split('.')[1] ?? '';
    for (const row of stored.rows) {
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.token_hash).not.toContain(secretPart);
    }
  });

  it('revokes the whole family when a rotated token is presented again, and audits it', async () => {
    const session = await loginAs(test, practice.slug, 'injector');
    const next = (await refresh(session.refreshToken).expect(200)).body as Pair;
    // An attacker replays the old token.
    expect((await refresh(session.refreshToken).expect(401)).body).toMatchObject({ code: 'refresh_reused' });
    // The legitimate holder's newer token and access token are dead too.
    expect((await refresh(next.refreshToken).expect(401)).body).toMatchObject({ code: 'session_revoked' });
    await request(test.api.app).get('/v1/me').set('authorization', bearer(next)).expect(401);
    const audit = await asOwner(test.database.url, (client) =>
      client.query<{ outcome: string }>(
        `SELECT outcome FROM audit_events WHERE action = 'auth.refresh_reuse_detected' AND actor_user_id = $1`,
        [session.userId],
      ),
    );
    expect(audit.rows).toEqual([{ outcome: 'denied' }]);
  });

  it('lets only one of two concurrent refreshes with the same token win, then ends the family', async () => {
    const session = await loginAs(test, practice.slug, 'patient');
    const [first, second] = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 401]);
    const winner = (first.status === 200 ? first.body : second.body) as Pair;
    const loser = (first.status === 200 ? second.body : first.body) as { code: string };
    expect(loser.code).toBe('refresh_reused');
    expect((await refresh(winner.refreshToken).expect(401)).body).toMatchObject({ code: 'session_revoked' });
  });

  it('refuses refresh after the idle timeout, absolute expiry or logout', async () => {
    const idle = await loginAs(test, practice.slug, 'patient');
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE sessions SET last_activity_at = now() - interval '2 hours' WHERE user_id = $1`, [idle.userId]),
    );
    expect((await refresh(idle.refreshToken).expect(401)).body).toMatchObject({ code: 'session_idle_timeout' });

    const expired = await loginAs(test, practice.slug, 'patient');
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [expired.userId]),
    );
    expect((await refresh(expired.refreshToken).expect(401)).body).toMatchObject({ code: 'session_expired' });

    const loggedOut = await loginAs(test, practice.slug, 'patient');
    await request(test.api.app).post('/v1/auth/logout').set('authorization', bearer(loggedOut)).expect(204);
    expect((await refresh(loggedOut.refreshToken).expect(401)).body).toMatchObject({ code: 'session_revoked' });
  });

  it('refuses unknown and malformed refresh tokens', async () => {
    const unknown = `${practice.id}.${'A'.repeat(43)}`;
    expect((await refresh(unknown).expect(401)).body).toMatchObject({ code: 'refresh_invalid' });
    expect((await refresh('not-a-token').expect(400)).body).toMatchObject({ code: 'validation_failed' });
    const otherTenant = `00000000-0000-4000-8000-000000000000.${'A'.repeat(43)}`;
    expect((await refresh(otherTenant).expect(401)).body).toMatchObject({ code: 'refresh_invalid' });
  });
});

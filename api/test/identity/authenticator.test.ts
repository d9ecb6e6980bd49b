import { SignJWT, UnsecuredJWT, createLocalJWKSet, decodeProtectedHeader, generateKeyPair, importJWK, jwtVerify } from 'jose';
import type { JWK } from 'jose';
import request from 'supertest';
import { TOKEN_AUDIENCES, TOKEN_ISSUER } from '../../src/auth/tokens.js';
import { asOwner } from '../testDatabase.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';

describe('access tokens and the authenticator', () => {
  let test: TestApi;
  let practice: SeededPractice;

  beforeAll(async () => {
    test = await startTestApi({ PASSWORD_HASH_PROFILE: 'test_minimum' });
    practice = await seedPractice(test);
  });

  afterAll(async () => {
    await test.close();
  });

  const me = (authorization?: string) => {
    const call = request(test.api.app).get('/v1/me');
    return authorization === undefined ? call : call.set('authorization', authorization);
  };

  it('signs ES256 access tokens with kid, issuer, audience and session claims', async () => {
    const session = await loginAs(test, practice.slug, 'injector');
    const header = decodeProtectedHeader(session.accessToken);
    expect(header).toMatchObject({ alg: 'ES256', kid: test.api.services.tokens.kid });

    const jwks = await request(test.api.app).get('/.well-known/jwks.json').expect(200);
    const keys = (jwks.body as { keys: Record<string, unknown>[] }).keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(session.accessToken, createLocalJWKSet(jwks.body as { keys: [] }), {
      algorithms: ['ES256'],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCES.api,
    });
    expect(payload).toMatchObject({ sub: session.userId, pid: practice.id, role: 'injector' });
    expect(typeof payload.sid).toBe('string');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(test.config.ACCESS_TOKEN_TTL_SECONDS);

    await me(`bearer ${session.accessToken}`).expect(200);
    const profile = await me(bearer(session)).expect(200);
    expect(profile.body).toMatchObject({ id: session.userId, role: 'injector', practiceId: practice.id });
  });

  it('answers 401 token_missing without a bearer token', async () => {
    expect((await me().expect(401)).body).toMatchObject({ code: 'token_missing' });
    expect((await me('Basic abc').expect(401)).body).toMatchObject({ code: 'token_missing' });
  });

  it('refuses tokens that are unsigned, foreign-signed, or meant for another audience', async () => {
    const session = await loginAs(test, practice.slug, 'patient');
    const unsecured = new UnsecuredJWT({ pid: practice.id, sid: session.userId, role: 'admin' })
      .setSubject(session.userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCES.api)
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    expect((await me(`Bearer ${unsecured}`).expect(401)).body).toMatchObject({ code: 'token_invalid' });

    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ pid: practice.id, sid: session.userId, role: 'admin' })
      .setProtectedHeader({ alg: 'ES256', kid: test.api.services.tokens.kid })
      .setSubject(session.userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCES.api)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await me(`Bearer ${forged}`).expect(401)).body).toMatchObject({ code: 'token_invalid' });

    // A genuine API signature for the SFU audience is not an API access token.
    const roomToken = await test.api.services.tokens.sign({
      audience: TOKEN_AUDIENCES.sfu,
      subject: session.userId,
      ttlSeconds: 60,
      claims: { pid: practice.id, role: 'patient', sid: session.userId },
    });
    expect((await me(`Bearer ${roomToken}`).expect(401)).body).toMatchObject({ code: 'token_invalid' });
  });

  it('refuses an expired access token with token_expired', async () => {
    const session = await loginAs(test, practice.slug, 'patient');
    const [, payloadPart] = session.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payloadPart ?? '', 'base64url').toString('utf8')) as Record<string, string>;
    const expired = await new SignJWT({ pid: claims.pid ?? '', sid: claims.sid ?? '', role: 'patient' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject(session.userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCES.api)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 1800)
      .sign(await signingKeyOf(test));
    expect((await me(`Bearer ${expired}`).expect(401)).body).toMatchObject({ code: 'token_expired' });
  });

  it('logs a session off after the idle timeout and audits it (HIPAA 164.312(a)(2)(iii))', async () => {
    const session = await loginAs(test, practice.slug, 'front_desk');
    await me(bearer(session)).expect(200);
    await backdateActivity(session, test.config.IDLE_TIMEOUT_SECONDS + 5);
    expect((await me(bearer(session)).expect(401)).body).toMatchObject({ code: 'session_idle_timeout' });
    // The session stays ended even though the access token itself has not expired.
    expect((await me(bearer(session)).expect(401)).body).toMatchObject({ code: 'session_revoked' });
    const audit = await auditActions(session.userId);
    expect(audit).toContain('auth.idle_timeout');
  });

  it('records activity (throttled) so an active session stays alive', async () => {
    const session = await loginAs(test, practice.slug, 'patient');
    await backdateActivity(session, test.config.IDLE_TIMEOUT_SECONDS - 60);
    await me(bearer(session)).expect(200);
    const idleSeconds = await secondsSinceActivity(session);
    expect(idleSeconds).toBeLessThan(30);
    await me(bearer(session)).expect(200);
  });

  it('refuses a session past its absolute expiry', async () => {
    const session = await loginAs(test, practice.slug, 'patient');
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [session.userId]),
    );
    expect((await me(bearer(session)).expect(401)).body).toMatchObject({ code: 'session_expired' });
  });

  it('ends the session on logout', async () => {
    const session = await loginAs(test, practice.slug, 'medical_director');
    await request(test.api.app).post('/v1/auth/logout').set('authorization', bearer(session)).expect(204);
    expect((await me(bearer(session)).expect(401)).body).toMatchObject({ code: 'session_revoked' });
    expect(await auditActions(session.userId)).toContain('auth.logout');
  });

  async function signingKeyOf(api: TestApi) {
    return importJWK(JSON.parse(api.config.AUTH_SIGNING_JWK) as JWK, 'ES256');
  }

  async function backdateActivity(session: LoggedIn, seconds: number): Promise<void> {
    await asOwner(test.database.url, (client) =>
      client.query(
        `UPDATE sessions SET last_activity_at = now() - make_interval(secs => $2) WHERE user_id = $1`,
        [session.userId, seconds],
      ),
    );
  }

  async function secondsSinceActivity(session: LoggedIn): Promise<number> {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ idle: number }>(
        `SELECT extract(epoch FROM now() - last_activity_at)::float8 AS idle FROM sessions WHERE user_id = $1`,
        [session.userId],
      ),
    );
    return result.rows[0]?.idle ?? Number.NaN;
  }

  async function auditActions(userId: string): Promise<string[]> {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ action: string }>(`SELECT action FROM audit_events WHERE actor_user_id = $1 ORDER BY seq`, [userId]),
    );
    return result.rows.map((row) => row.action);
  }
});

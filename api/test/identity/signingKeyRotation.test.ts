import type { Server } from 'node:net';
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, importJWK, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWK } from 'jose';
import request from 'supertest';
import type { ApiApp } from '../../src/app.js';
import { initApp, shutdownApp } from '../../src/app.js';
import { verifyManifest } from '../../src/audit/exportManifest.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { TOKEN_AUDIENCES, TOKEN_ISSUER } from '../../src/auth/tokens.js';
import { listen, rawGet } from '../audit/exportClient.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { generateSigningJwk, startTestApi } from '../testApi.js';

// Each case starts its own API on a fresh database; on a busy machine that takes seconds.
jest.setTimeout(120_000);

/** The public half of a private signing JWK, as an operator lists it in AUTH_PREVIOUS_JWKS. */
async function publicHalf(privateJwkJson: string): Promise<JWK> {
  const jwk = JSON.parse(privateJwkJson) as JWK;
  const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'ES256');
  return { ...(await exportJWK(key)), kid: jwk.kid };
}

describe('rotating the signing key (AUTH_SIGNING_JWK + AUTH_PREVIOUS_JWKS)', () => {
  let test: TestApi;
  let server: Server;
  let officer: LoggedIn;
  let oldRoomToken: string;
  let oldManifest: string;
  let rotated: ApiApp;
  let withoutPrevious: ApiApp;
  const oldKid = (): string => String((JSON.parse(test.config.AUTH_SIGNING_JWK) as JWK).kid);

  beforeAll(async () => {
    test = await startTestApi();
    server = await listen(test);
    const practice = await seedPractice(test);
    officer = await loginAs(test, practice.slug, 'compliance_officer');
    oldRoomToken = await test.api.services.tokens.sign({
      audience: TOKEN_AUDIENCES.sfu,
      subject: officer.userId,
      ttlSeconds: 120,
      claims: { room: 'room-1' },
    });
    const exported = await rawGet(server, '/v1/audit/exports?format=ndjson', officer.accessToken);
    expect(exported.status).toBe(200);
    oldManifest = exported.trailers['x-export-manifest'] ?? '';
    expect(decodeProtectedHeader(oldManifest).kid).toBe(oldKid());

    // Every instance restarts with a new current key; the old one moves to the previous list.
    const newKey = await generateSigningJwk();
    const base = {
      NODE_ENV: 'test',
      PASSWORD_HASH_PROFILE: 'test_minimum',
      DATABASE_URL: test.database.runtimeUrl,
      DATA_KEKS: JSON.stringify(test.config.DATA_KEKS),
      DATA_ACTIVE_KEK_ID: test.config.DATA_ACTIVE_KEK_ID,
      AUTH_SIGNING_JWK: newKey,
      MAIL_OUTBOX_DIR: test.config.MAIL_OUTBOX_DIR,
    };
    const logger = createLogger({ level: 'silent' });
    rotated = await initApp(loadConfig({ ...base, AUTH_PREVIOUS_JWKS: JSON.stringify([await publicHalf(test.config.AUTH_SIGNING_JWK)]) }), {
      databaseUrl: test.database.runtimeUrl,
      logger,
    });
    withoutPrevious = await initApp(loadConfig(base), { databaseUrl: test.database.runtimeUrl, logger });
  });

  afterAll(async () => {
    await shutdownApp(rotated);
    await shutdownApp(withoutPrevious);
    await new Promise((resolve) => server.close(resolve));
    await test.close();
  });

  it('publishes the current key first and the previous key, public members only', async () => {
    const jwks = await request(rotated.app).get('/.well-known/jwks.json').expect(200);
    const keys = (jwks.body as JSONWebKeySet).keys;
    expect(keys.map((key) => key.kid)).toEqual([rotated.services.tokens.kid, oldKid()]);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('accepts an access token signed by the previous key (no 401 storm), and signs new ones with the new key', async () => {
    const me = await request(rotated.app).get('/v1/me').set('Authorization', bearer(officer));
    expect(me.status).toBe(200);
    const refreshed = await request(rotated.app).post('/v1/auth/refresh').send({ refreshToken: officer.refreshToken });
    expect(refreshed.status).toBe(200);
    const fresh = (refreshed.body as { accessToken: string }).accessToken;
    expect(decodeProtectedHeader(fresh).kid).toBe(rotated.services.tokens.kid);
    expect((await request(rotated.app).get('/v1/me').set('Authorization', `Bearer ${fresh}`)).status).toBe(200);
  });

  it('keeps a room token signed by the previous key verifiable from the published JWKS (as the SFU does)', async () => {
    const jwks = await request(rotated.app).get('/.well-known/jwks.json').expect(200);
    const { payload } = await jwtVerify(oldRoomToken, createLocalJWKSet(jwks.body as JSONWebKeySet), {
      algorithms: ['ES256'],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCES.sfu,
    });
    expect(payload.room).toBe('room-1');
    await expect(rotated.services.tokens.verify(oldRoomToken, TOKEN_AUDIENCES.sfu)).resolves.toMatchObject({ room: 'room-1' });
  });

  it('keeps an export manifest signed by the previous key verifiable', async () => {
    const jwks = await request(rotated.app).get('/.well-known/jwks.json').expect(200);
    const manifest = await verifyManifest(oldManifest, createLocalJWKSet(jwks.body as JSONWebKeySet));
    expect(manifest).toMatchObject({ practiceId: officer.practiceId, completed: true });
  });

  it('without the previous key listed, the old tokens are refused (what the setting prevents)', async () => {
    const me = await request(withoutPrevious.app).get('/v1/me').set('Authorization', bearer(officer));
    expect(me.status).toBe(401);
    await expect(withoutPrevious.services.tokens.verify(oldRoomToken, TOKEN_AUDIENCES.sfu)).rejects.toThrow();
  });

  it('refuses a private key in AUTH_PREVIOUS_JWKS', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        AUTH_SIGNING_JWK: test.config.AUTH_SIGNING_JWK,
        AUTH_PREVIOUS_JWKS: JSON.stringify([JSON.parse(test.config.AUTH_SIGNING_JWK) as JWK]),
        DATA_KEKS: JSON.stringify(test.config.DATA_KEKS),
        DATA_ACTIVE_KEK_ID: test.config.DATA_ACTIVE_KEK_ID,
      }),
    ).toThrow(/AUTH_PREVIOUS_JWKS.*public JWKs/);
  });
});

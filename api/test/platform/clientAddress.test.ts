import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config.js';
import { bearer, createUser, loginAs, seedPractice } from '../fixtures/identity.js';
import type { SeededPractice, TestUser } from '../fixtures/identity.js';
import { asOwner } from '../testDatabase.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';

// Each case starts its own API on a fresh database; on a busy machine that takes seconds.
jest.setTimeout(120_000);

const repoRoot = path.resolve(__dirname, '../../..');

interface Recorded {
  sessionIp: string | null;
  auditIp: string | null;
}

/** Where the API wrote the client address for the user's latest sign-in. */
async function recorded(test: TestApi, user: TestUser): Promise<Recorded> {
  return asOwner(test.database.url, async (client) => {
    const session = await client.query<{ ip: string | null }>(
      `SELECT ip FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [user.id],
    );
    const audit = await client.query<{ ip: string | null }>(
      `SELECT ip FROM audit_events WHERE actor_user_id = $1 AND action = 'auth.login' ORDER BY seq DESC LIMIT 1`,
      [user.id],
    );
    return { sessionIp: session.rows[0]?.ip ?? null, auditIp: audit.rows[0]?.ip ?? null };
  });
}

async function signIn(test: TestApi, practice: SeededPractice, user: TestUser, forwardedFor: string): Promise<void> {
  const response = await request(test.api.app)
    .post('/v1/auth/login')
    .set('X-Forwarded-For', forwardedFor)
    .send({ practice: practice.slug, email: user.email, password: user.password });
  expect(response.status).toBe(200);
}

describe('TRUST_PROXY', () => {
  it('is a hop count or a CIDR list, never a boolean', () => {
    const base = { NODE_ENV: 'test', AUTH_SIGNING_JWK: '{}', DATA_KEKS: JSON.stringify({ k: Buffer.alloc(32).toString('base64') }), DATA_ACTIVE_KEK_ID: 'k' };
    expect(loadConfig({ ...base }).TRUST_PROXY).toBe(0);
    expect(loadConfig({ ...base, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 192.168.1.1,::1/128' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '192.168.1.1', '::1/128']);
    for (const bad of ['true', 'false', 'yes', '10.0.0.0/33', '10.0.0/8', '::1/129', '10.0.0.0/8,', 'loopback', '-1']) {
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY: must be a hop count/);
    }
  });
});

describe('the client address the API records', () => {
  it('with no trusted proxy (default) is the TCP peer, whatever X-Forwarded-For claims', async () => {
    const test = await startTestApi();
    try {
      const practice = await seedPractice(test);
      const patient = await createUser(test, practice.id, 'patient');
      await signIn(test, practice, patient, '198.51.100.66');
      expect(await recorded(test, patient)).toEqual({ sessionIp: '127.0.0.1', auditIp: '127.0.0.1' });
    } finally {
      await test.close();
    }
  });

  it('with TRUST_PROXY=1 is the address the one proxy saw (rightmost), not what the client prepended', async () => {
    const test = await startTestApi({ TRUST_PROXY: '1' });
    try {
      const practice = await seedPractice(test);
      const patient = await createUser(test, practice.id, 'patient');
      await signIn(test, practice, patient, '198.51.100.66, 203.0.113.7');
      expect(await recorded(test, patient)).toEqual({ sessionIp: '203.0.113.7', auditIp: '203.0.113.7' });
    } finally {
      await test.close();
    }
  });

  it('with a CIDR list is the rightmost address outside the trusted networks', async () => {
    const test = await startTestApi({ TRUST_PROXY: '127.0.0.1/32,10.0.0.0/8' });
    try {
      const practice = await seedPractice(test);
      const patient = await createUser(test, practice.id, 'patient');
      await signIn(test, practice, patient, '198.51.100.66, 203.0.113.9, 10.1.2.3');
      expect(await recorded(test, patient)).toEqual({ sessionIp: '203.0.113.9', auditIp: '203.0.113.9' });
    } finally {
      await test.close();
    }
  });

  it('is what a consent e-signature records', async () => {
    const test = await startTestApi({ TRUST_PROXY: '1' });
    try {
      const practice = await seedPractice(test);
      const director = await loginAs(test, practice.slug, 'medical_director');
      const patient = await loginAs(test, practice.slug, 'patient');
      const drafted = await request(test.api.app)
        .post('/v1/consent-documents')
        .set('Authorization', bearer(director))
        .send({ kind: 'telehealth', title: 'Telehealth consent', body: 'Consent text for the address test' })
        .expect(201);
      const document = drafted.body as { id: string; bodySha256: string };
      await request(test.api.app).post(`/v1/consent-documents/${document.id}/publish`).set('Authorization', bearer(director)).expect(200);
      await request(test.api.app)
        .post(`/v1/consent-documents/${document.id}/signatures`)
        .set('Authorization', bearer(patient))
        .set('X-Forwarded-For', '198.51.100.66, 203.0.113.44')
        .send({ signatureName: 'Pat Example', documentSha256: document.bodySha256 })
        .expect(201);
      const stored = await asOwner(test.database.url, (client) =>
        client.query<{ ip: string | null }>(`SELECT ip FROM consent_signatures WHERE patient_id = $1`, [patient.userId]),
      );
      expect(stored.rows.map((row) => row.ip)).toEqual(['203.0.113.44']);
    } finally {
      await test.close();
    }
  });

  it('keys the per-IP rate limit on the real client address', async () => {
    const test = await startTestApi({ TRUST_PROXY: '1', AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const attempt = (forwardedFor: string) =>
        request(test.api.app).post('/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({});
      for (let i = 0; i < 3; i += 1) expect((await attempt(`198.51.100.${i}, 203.0.113.1`)).status).toBe(400);
      // Rotating the spoofable part does not buy more attempts; another real client has its own budget.
      expect((await attempt('198.51.100.99, 203.0.113.1')).status).toBe(429);
      expect((await attempt('203.0.113.2')).status).toBe(400);
    } finally {
      await test.close();
    }
  });
});

describe('through the client server (client/server/clientServer.mjs)', () => {
  let test: TestApi;
  let apiServer: Server;
  let client: ChildProcess;
  let clientUrl: string;

  beforeAll(async () => {
    // As scripts/start.mjs runs it: every loopback hop is trusted, so only the client server's
    // rewrite stands between a forged X-Forwarded-For and the audit trail.
    test = await startTestApi({ TRUST_PROXY: '127.0.0.0/8,::1/128' });
    apiServer = test.api.app.listen(0, '127.0.0.1');
    await once(apiServer, 'listening');
    const apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
    client = spawn(process.execPath, [path.join(repoRoot, 'client/server/clientServer.mjs')], {
      env: { ...process.env, CLIENT_PORT: '0', API_URL: apiUrl, SFU_URL: 'http://127.0.0.1:9', CLIENT_ROOT: path.join(repoRoot, 'client') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    clientUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      client.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const match = /client listening on (http:\/\/\S+)/.exec(out);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      client.on('exit', (code) => { reject(new Error(`client server exited (${String(code)})`)); });
    });
  });

  afterAll(async () => {
    client.kill('SIGTERM');
    await new Promise((resolve) => apiServer.close(resolve));
    await test.close();
  });

  it('replaces a spoofed X-Forwarded-For with the real peer address', async () => {
    const practice = await seedPractice(test);
    const patient = await createUser(test, practice.id, 'patient');
    const response = await fetch(`${clientUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.66', Forwarded: 'for=198.51.100.67', 'X-Real-IP': '198.51.100.68' },
      body: JSON.stringify({ practice: practice.slug, email: patient.email, password: patient.password }),
    });
    expect(response.status).toBe(200);
    expect(await recorded(test, patient)).toEqual({ sessionIp: '127.0.0.1', auditIp: '127.0.0.1' });
  });
});

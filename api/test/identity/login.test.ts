import request from 'supertest';
import { totpCodeAt } from '../../src/modules/identity/totp.js';
import { asOwner } from '../testDatabase.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { bearer, createUser, loginUser, nextTotpCode, seedPractice } from '../fixtures/identity.js';
import type { SeededPractice, TestUser } from '../fixtures/identity.js';

const MAX_FAILURES = 3;

describe('login, lockout and TOTP MFA', () => {
  let test: TestApi;
  let practice: SeededPractice;

  beforeAll(async () => {
    test = await startTestApi({ PASSWORD_HASH_PROFILE: 'test_minimum', LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
    practice = await seedPractice(test);
  });

  afterAll(async () => {
    await test.close();
  });

  const login = (body: Record<string, unknown>) => request(test.api.app).post('/v1/auth/login').send(body);

  async function auditRows(userId: string | null): Promise<{ action: string; outcome: string }[]> {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ action: string; outcome: string }>(
        `SELECT action, outcome FROM audit_events WHERE practice_id = $1 AND actor_user_id IS NOT DISTINCT FROM $2 ORDER BY seq`,
        [practice.id, userId],
      ),
    );
    return result.rows;
  }

  it('signs a patient in with password only and audits the login', async () => {
    const patient = await createUser(test, practice.id, 'patient');
    const response = await login({ practice: practice.slug, email: patient.email.toUpperCase(), password: patient.password }).expect(200);
    expect(response.body).toMatchObject({ status: 'authenticated', tokenType: 'Bearer', user: { id: patient.id, role: 'patient' } });
    expect(await auditRows(patient.id)).toEqual([{ action: 'auth.login', outcome: 'success' }]);
  });

  it('gives the same 401 for unknown practice, unknown email, wrong password and disabled account', async () => {
    const patient = await createUser(test, practice.id, 'patient');
    const disabled = await createUser(test, practice.id, 'patient', { disabled: true });
    const attempts = [
      { practice: 'no-such-practice', email: patient.email, password: patient.password },
      { practice: practice.slug, email: 'nobody@example.test', password: patient.password },
      { practice: practice.slug, email: patient.email, password: 'wrong-password-123' },
      { practice: practice.slug, email: disabled.email, password: disabled.password },
    ];
    for (const attempt of attempts) {
      const response = await login(attempt).expect(401);
      expect(response.body).toEqual({ code: 'invalid_credentials', message: 'Email or password is incorrect' });
    }
    // Failures inside the practice are audited (unknown email without an actor).
    expect(await auditRows(patient.id)).toEqual([{ action: 'auth.login_failed', outcome: 'failure' }]);
    expect((await auditRows(null)).map((row) => row.action)).toContain('auth.login_failed');
  });

  it('locks the account after LOGIN_MAX_FAILURES, refuses even the right password, and audits it', async () => {
    const patient = await createUser(test, practice.id, 'patient');
    for (let attempt = 1; attempt < MAX_FAILURES; attempt += 1) {
      await login({ practice: practice.slug, email: patient.email, password: 'wrong-password-123' }).expect(401);
    }
    const locking = await login({ practice: practice.slug, email: patient.email, password: 'wrong-password-123' });
    expect(locking.status).toBe(423);
    expect(locking.body).toMatchObject({ code: 'account_locked' });
    const correct = await login({ practice: practice.slug, email: patient.email, password: patient.password });
    expect(correct.status).toBe(423);
    const actions = (await auditRows(patient.id)).map((row) => row.action);
    expect(actions.filter((action) => action === 'auth.login_failed')).toHaveLength(MAX_FAILURES + 1);
    expect(actions).toContain('auth.locked_out');

    // Once the lockout has passed, the right password works again and resets the counter.
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE users SET locked_until = now() - interval '1 second' WHERE id = $1`, [patient.id]),
    );
    await login({ practice: practice.slug, email: patient.email, password: patient.password }).expect(200);
  });

  it('requires a TOTP code from staff and refuses a replayed or wrong code', async () => {
    const injector = await createUser(test, practice.id, 'injector');
    const base = { practice: practice.slug, email: injector.email, password: injector.password };
    expect((await login(base).expect(401)).body).toMatchObject({ code: 'mfa_required' });
    expect((await login({ ...base, totpCode: '000000' }).expect(401)).body).toMatchObject({ code: 'invalid_totp' });

    const code = await nextTotpCode(injector);
    await login({ ...base, totpCode: code }).expect(200);
    // RFC 6238 §5.2: the same code must not be accepted twice.
    expect((await login({ ...base, totpCode: code }).expect(401)).body).toMatchObject({ code: 'invalid_totp' });
    // A code from two steps ago is outside the ±1 window.
    const stale = totpCodeAt(injector.totpSecret ?? '', Date.now() - 90_000);
    expect((await login({ ...base, totpCode: stale }).expect(401)).body).toMatchObject({ code: 'invalid_totp' });
  });

  it('gives staff without MFA only an enrolment token that opens nothing else, then enrols them', async () => {
    const admin: TestUser = await createUser(test, practice.id, 'admin', { mfaEnrolled: false });
    const base = { practice: practice.slug, email: admin.email, password: admin.password };
    const first = await login(base).expect(200);
    const enrolment = first.body as { status: string; enrolmentToken: string };
    expect(enrolment.status).toBe('mfa_enrolment_required');
    expect(first.body).not.toHaveProperty('accessToken');

    // The enrolment token is not an access token anywhere.
    await request(test.api.app).get('/v1/me').set('authorization', `Bearer ${enrolment.enrolmentToken}`).expect(401);
    await request(test.api.app).get('/v1/users').set('authorization', `Bearer ${enrolment.enrolmentToken}`).expect(401);

    const started = await request(test.api.app)
      .post('/v1/auth/mfa/enrol')
      .send({ enrolmentToken: enrolment.enrolmentToken })
      .expect(200);
    const { secret, otpauthUri } = started.body as { secret: string; otpauthUri: string };
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    // Issue 8: the app lists the entry as the practice (issuer) and the user's own email (account).
    expect(decodeURIComponent(new URL(otpauthUri).pathname)).toContain(admin.email);
    expect(new URL(otpauthUri).searchParams.get('issuer')).toBe(practice.name);

    await request(test.api.app)
      .post('/v1/auth/mfa/confirm')
      .send({ enrolmentToken: enrolment.enrolmentToken, totpCode: '123456' === totpCodeAt(secret) ? '654321' : '123456' })
      .expect(401);
    // Stored encrypted: no column of the user row holds the secret in clear.
    const stored = await asOwner(test.database.url, (client) =>
      client.query<{ row: string }>(`SELECT row_to_json(u)::text AS row FROM users u WHERE id = $1`, [admin.id]),
    );
    expect(stored.rows[0]?.row).toContain('totp_secret_ciphertext');
    expect(stored.rows[0]?.row).not.toContain(secret);
    expect(stored.rows[0]?.row).not.toContain(Buffer.from(secret).toString('hex'));
    admin.totpSecret = secret;
    const confirmed = await request(test.api.app)
      .post('/v1/auth/mfa/confirm')
      .send({ enrolmentToken: enrolment.enrolmentToken, totpCode: await nextTotpCode(admin) })
      .expect(200);
    const tokens = confirmed.body as { accessToken: string };
    const profile = await request(test.api.app).get('/v1/me').set('authorization', bearer(tokens)).expect(200);
    expect(profile.body).toMatchObject({ id: admin.id, mfaEnrolled: true });
    expect(profile.body).not.toHaveProperty('totpSecret');

    // After enrolment the secret is never handed out again.
    const again = await request(test.api.app).post('/v1/auth/mfa/enrol').send({ enrolmentToken: enrolment.enrolmentToken });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'mfa_already_enrolled' });
    const actions = (await auditRows(admin.id)).map((row) => row.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.mfa_enrolment_started', 'auth.mfa_enrolled', 'auth.login']));

    // The next sign-in needs the code.
    await loginUser(test, practice.slug, admin);
  });

  it('does not mention the password or code in logs', async () => {
    const patient = await createUser(test, practice.id, 'patient');
    await login({ practice: practice.slug, email: patient.email, password: patient.password }).expect(200);
    expect(test.logs.text()).not.toContain(patient.password);
    expect(test.logs.text()).not.toContain(patient.email);
  });
});

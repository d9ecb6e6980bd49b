/**
 * Day-one onboarding through the real API, PostgreSQL and a real SMTP server in this
 * process: the first-run setup link, staff invites, forgot/reset and change password, and
 * recovery codes. Every link is single use, stored only as a digest, expires, and answers
 * a clear 4xx code; forgot-password answers the same whether or not the email exists.
 */
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { createDataSource } from '../../src/db/dataSource.js';
import { tokenDigest } from '../../src/modules/identity/oneTimeTokens.js';
import { issueSetupTokenIfUnconfigured } from '../../src/modules/identity/setupService.js';
import { totpCodeAt } from '../../src/modules/identity/totp.js';
import { bearer, loginAs, loginUser, seedPractice } from '../fixtures/identity.js';
import { startSmtpCapture } from '../support/smtpCapture.js';
import type { SmtpCapture } from '../support/smtpCapture.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

jest.setTimeout(120_000);

const PASSWORD = 'correct horse battery staple';

async function issueSetupToken(test: TestApi, ttlSeconds = 3600): Promise<string | null> {
  const owner = createDataSource({ url: test.database.url, purpose: 'owner', poolSize: 1 });
  await owner.initialize();
  try {
    return await issueSetupTokenIfUnconfigured(owner, ttlSeconds);
  } finally {
    await owner.destroy();
  }
}

interface AuditRow {
  action: string;
  outcome: string;
  entity_id: string | null;
  actor_user_id: string | null;
}

async function auditActions(test: TestApi, practiceId: string): Promise<AuditRow[]> {
  return asOwner(test.database.url, async (client) =>
    (await client.query<AuditRow>(`SELECT action, outcome, entity_id, actor_user_id FROM audit_events WHERE practice_id = $1 ORDER BY seq`, [practiceId])).rows,
  );
}

/** The reply fields these tests read. */
interface Reply {
  code?: string;
  status?: string;
  enrolmentToken?: string;
  otpauthUri?: string;
  recoveryCodes?: string[];
  userId?: string;
  user?: { id: string; practiceId: string; role: string };
}
const json = (response: { body: unknown }): Reply => response.body as Reply;

const secretOf = (otpauthUri: string): string => new URL(otpauthUri).searchParams.get('secret') ?? '';
const linkIn = (mail: ParsedMail): string => /https?:\/\/\S+/.exec(mail.text ?? '')?.[0] ?? '';
const tokenIn = (mail: ParsedMail): string => new URL(linkIn(mail)).searchParams.get('token') ?? '';
const sentTo = (address: string) => (mail: ParsedMail): boolean =>
  (Array.isArray(mail.to) ? mail.to : [mail.to]).some((to) => to?.text.includes(address) === true);

describe('first-run setup link', () => {
  let test: TestApi;
  beforeAll(async () => {
    test = await startTestApi();
  });
  afterAll(async () => {
    await test.close();
  });
  const app = () => request(test.api.app);

  it('creates the practice and admin once, then enrols TOTP with the practice as issuer and issues recovery codes', async () => {
    const unknown = await app().post('/v1/auth/setup/check').send({ token: 'A'.repeat(43) }).expect(400);
    expect(json(unknown).code).toBe('token_invalid');
    const token = await issueSetupToken(test);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    if (token === null) throw new Error('no token');
    // Only the digest is stored.
    const stored = await asOwner(test.database.url, async (client) => (await client.query<{ token_hash: string }>(`SELECT token_hash FROM setup_tokens`)).rows);
    expect(stored.map((row) => row.token_hash)).toEqual([tokenDigest(token)]);
    // The runtime role cannot read the table at all.
    await expect(test.api.services.dataSource.query(`SELECT * FROM setup_tokens`)).rejects.toThrow(/permission denied/);

    await app().post('/v1/auth/setup/check').send({ token }).expect(200, { status: 'ready' });
    const body = {
      token,
      practice: { name: 'Harbor Aesthetics LLC', slug: 'harbor', timeZone: 'America/Chicago', brandingName: 'Harbor Med Spa' },
      admin: { givenName: 'Avery', familyName: 'Quinn', email: 'avery@harbor.example', password: PASSWORD },
    };
    await app().post('/v1/auth/setup').send({ ...body, practice: { ...body.practice, timeZone: 'Mars/Olympus' } }).expect(400);
    const created = await app().post('/v1/auth/setup').send(body).expect(201);
    expect(created.body).toMatchObject({ status: 'mfa_enrolment_required' });

    // Single use, and a new link cannot be issued once a practice exists.
    const reused = await app().post('/v1/auth/setup').send({ ...body, practice: { ...body.practice, slug: 'second' } }).expect(410);
    expect(json(reused).code).toBe('token_used');
    await app().post('/v1/auth/setup/check').send({ token }).expect(410);
    expect(await issueSetupToken(test)).toBeNull();

    const enrolment = await app().post('/v1/auth/mfa/enrol').send({ enrolmentToken: json(created).enrolmentToken }).expect(200);
    const uri = new URL(json(enrolment).otpauthUri ?? '');
    expect(uri.searchParams.get('issuer')).toBe('Harbor Med Spa');
    expect(decodeURIComponent(uri.pathname)).toContain('avery@harbor.example');
    const secret = secretOf(json(enrolment).otpauthUri ?? '');
    const firstCode = totpCodeAt(secret);
    const confirmed = await app().post('/v1/auth/mfa/confirm').send({ enrolmentToken: json(created).enrolmentToken, totpCode: firstCode }).expect(200);
    const codes = json(confirmed).recoveryCodes ?? [];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(json(confirmed).user?.role).toBe('admin');
    const practiceId = json(confirmed).user?.practiceId ?? '';
    const userId = json(confirmed).user?.id ?? '';

    // Codes are stored hashed: no stored value contains a code.
    const hashes = await asOwner(test.database.url, async (client) => (await client.query<{ code_hash: string }>(`SELECT code_hash FROM recovery_codes`)).rows);
    expect(hashes).toHaveLength(10);
    for (const code of codes) expect(JSON.stringify(hashes)).not.toContain(code.replace(/-/g, ''));

    // A recovery code signs in once instead of the TOTP code.
    const login = { practice: 'harbor', email: 'avery@harbor.example', password: PASSWORD };
    const recovery = codes[0] ?? '';
    await app().post('/v1/auth/login').send({ ...login, recoveryCode: recovery.toLowerCase() }).expect(200);
    const again = await app().post('/v1/auth/login').send({ ...login, recoveryCode: recovery }).expect(401);
    expect(json(again).code).toBe('invalid_recovery_code');
    const session = await app().post('/v1/auth/login').send({ ...login, recoveryCode: codes[1] }).expect(200);
    await app().get('/v1/me/recovery-codes').set('authorization', bearer(session.body as { accessToken: string })).expect(200, { remaining: 8 });
    // Regenerating needs the password and replaces every code.
    await app().post('/v1/me/recovery-codes').set('authorization', bearer(session.body as { accessToken: string })).send({ currentPassword: 'wrong password here' }).expect(401);
    const fresh = await app().post('/v1/me/recovery-codes').set('authorization', bearer(session.body as { accessToken: string })).send({ currentPassword: PASSWORD }).expect(200);
    expect(json(fresh).recoveryCodes).toHaveLength(10);
    await app().post('/v1/auth/login').send({ ...login, recoveryCode: codes[2] }).expect(401);

    const practice = await app().get('/v1/practice').set('authorization', bearer(session.body as { accessToken: string })).expect(200);
    expect(practice.body).toEqual({ name: 'Harbor Aesthetics LLC', brandingName: 'Harbor Med Spa', slug: 'harbor', timeZone: 'America/Chicago' });

    const audit = await auditActions(test, practiceId);
    const actions = audit.map((row) => row.action);
    expect(actions.slice(0, 2)).toEqual(['practice.setup', 'user.create']);
    expect(actions).toEqual(expect.arrayContaining(['auth.mfa_enrolled', 'auth.recovery_codes_issued', 'auth.recovery_code_used']));
    expect(audit.filter((row) => row.action === 'auth.recovery_code_used')).toHaveLength(2);
    expect(audit.find((row) => row.action === 'auth.recovery_code_used')?.actor_user_id).toBe(userId);
  });
});

describe('first-run setup link expiry', () => {
  let test: TestApi;
  beforeAll(async () => {
    test = await startTestApi();
  });
  afterAll(async () => {
    await test.close();
  });

  it('refuses an expired link with token_expired, and a restart replaces the old link', async () => {
    const old = await issueSetupToken(test);
    const token = await issueSetupToken(test);
    if (old === null || token === null) throw new Error('no token');
    const gone = await request(test.api.app).post('/v1/auth/setup/check').send({ token: old }).expect(400);
    expect(json(gone).code).toBe('token_invalid');
    await asOwner(test.database.url, (client) => client.query(`UPDATE setup_tokens SET expires_at = now() - interval '1 second'`));
    const expired = await request(test.api.app)
      .post('/v1/auth/setup')
      .send({
        token,
        practice: { name: 'Late Spa', slug: 'late', timeZone: 'America/New_York', brandingName: 'Late' },
        admin: { givenName: 'Lee', familyName: 'Late', email: 'lee@late.example', password: PASSWORD },
      })
      .expect(410);
    expect(json(expired).code).toBe('token_expired');
    const practices = await asOwner(test.database.url, async (client) => (await client.query(`SELECT 1 FROM practices`)).rowCount);
    expect(practices).toBe(0);
  });

  it('lets exactly one of two simultaneous setups with the same link win', async () => {
    const token = await issueSetupToken(test);
    if (token === null) throw new Error('no token');
    const setup = (slug: string) =>
      request(test.api.app)
        .post('/v1/auth/setup')
        .send({
          token,
          practice: { name: `Spa ${slug}`, slug, timeZone: 'America/New_York', brandingName: slug },
          admin: { givenName: 'Ann', familyName: 'Race', email: `ann@${slug}.example`, password: PASSWORD },
        });
    const [first, second] = await Promise.all([setup('race-one'), setup('race-two')]);
    expect([first.status, second.status].sort()).toEqual([201, 410]);
    expect([json(first).code, json(second).code]).toContain('token_used');
    const rows = await asOwner(test.database.url, async (client) => (await client.query<{ slug: string }>(`SELECT slug FROM practices`)).rows);
    expect(rows).toHaveLength(1);
  });
});

describe('staff invites, password reset and change', () => {
  let test: TestApi;
  let smtp: SmtpCapture;
  beforeAll(async () => {
    smtp = await startSmtpCapture();
    test = await startTestApi({ SMTP_URL: smtp.url, PUBLIC_APP_URL: 'https://clinic.example' });
  });
  afterAll(async () => {
    await test.close();
    await smtp.close();
  });
  const app = () => request(test.api.app);

  it('invites an injector by email; the single-use link sets a password and leads to TOTP enrolment', async () => {
    const practice = await seedPractice(test, { name: 'Bayside Aesthetics', timeZone: 'America/Denver' });
    const admin = await loginAs(test, practice.slug, 'admin');
    const invite = { role: 'injector', givenName: 'Robin', familyName: 'Okafor', email: 'robin@bayside.example' };
    const noCredential = await app().post('/v1/invites').set('authorization', bearer(admin)).send(invite).expect(400);
    expect(json(noCredential).code).toBe('validation_failed');
    await app().post('/v1/invites').set('authorization', bearer(admin)).send({ ...invite, role: 'patient', credential: 'NP' }).expect(400);
    const created = await app().post('/v1/invites').set('authorization', bearer(admin)).send({ ...invite, credential: 'NP' }).expect(201);
    expect(created.body).toMatchObject({ role: 'injector', emailSent: true });
    const userId = json(created).userId ?? '';
    await app().post('/v1/invites').set('authorization', bearer(admin)).send({ ...invite, credential: 'NP' }).expect(409);

    // The provider profile exists with the user, in the practice's zone.
    const profile = await app().get(`/v1/providers/${userId}`).set('authorization', bearer(admin)).expect(200);
    expect(profile.body).toMatchObject({ credential: 'NP', timeZone: 'America/Denver', bio: '' });

    const mail = await smtp.waitFor(sentTo('robin@bayside.example'));
    const link = linkIn(mail);
    expect(link.startsWith('https://clinic.example/invite?token=')).toBe(true);
    // Minimum necessary: practice name, own first name, link; no role, family name or anything else.
    expect(mail.subject).toBe('Your Bayside Aesthetics account');
    expect(mail.text).toContain('Hello Robin,');
    expect(mail.text).not.toMatch(/Okafor|injector|NP\b|telehealth|medspa/i);
    const token = tokenIn(mail);
    const stored = await asOwner(test.database.url, async (client) =>
      (await client.query<{ token_hash: string; expires_in: number }>(
        `SELECT token_hash, extract(epoch FROM expires_at - created_at)::int AS expires_in FROM user_tokens WHERE user_id = $1`,
        [userId],
      )).rows,
    );
    expect(stored).toEqual([{ token_hash: tokenDigest(token), expires_in: 72 * 3600 }]);

    // Not a password yet: signing in is refused like any wrong password.
    const early = await app().post('/v1/auth/login').send({ practice: practice.slug, email: invite.email, password: PASSWORD }).expect(401);
    expect(json(early).code).toBe('invalid_credentials');

    await app().post('/v1/auth/invite/check').send({ token }).expect(200, { practiceName: 'Bayside Aesthetics', givenName: 'Robin' });
    const bad = await app().post('/v1/auth/invite/check').send({ token: `${practice.id}.${'B'.repeat(43)}` }).expect(400);
    expect(json(bad).code).toBe('token_invalid');
    await app().post('/v1/auth/invite/accept').send({ token, password: 'short' }).expect(400);
    const accepted = await app().post('/v1/auth/invite/accept').send({ token, password: PASSWORD }).expect(200);
    expect(json(accepted).status).toBe('mfa_enrolment_required');
    const reused = await app().post('/v1/auth/invite/accept').send({ token, password: PASSWORD }).expect(410);
    expect(json(reused).code).toBe('token_used');

    const enrolment = await app().post('/v1/auth/mfa/enrol').send({ enrolmentToken: json(accepted).enrolmentToken }).expect(200);
    const secret = secretOf(json(enrolment).otpauthUri ?? '');
    expect(new URL(json(enrolment).otpauthUri ?? '').searchParams.get('issuer')).toBe('Bayside Aesthetics');
    await app().post('/v1/auth/mfa/confirm').send({ enrolmentToken: json(accepted).enrolmentToken, totpCode: totpCodeAt(secret) }).expect(200);

    // An expired invitation (resent, then aged past 72 h) answers token_expired.
    const second = await app().post('/v1/invites').set('authorization', bearer(admin)).send({ role: 'front_desk', givenName: 'Sam', familyName: 'Lee', email: 'sam@bayside.example' }).expect(201);
    const firstMail = await smtp.waitFor(sentTo('sam@bayside.example'));
    await app().post(`/v1/invites/${json(second).userId ?? ''}/resend`).set('authorization', bearer(admin)).expect(200, { emailSent: true });
    await smtp.waitFor((m) => sentTo('sam@bayside.example')(m) && m !== firstMail);
    const replaced = await app().post('/v1/auth/invite/check').send({ token: tokenIn(firstMail) }).expect(400);
    expect(json(replaced).code).toBe('token_invalid');
    const latest = smtp.messages.filter(sentTo('sam@bayside.example')).at(-1);
    if (latest === undefined) throw new Error('no resent mail');
    await asOwner(test.database.url, (client) => client.query(`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [json(second).userId]));
    const expired = await app().post('/v1/auth/invite/accept').send({ token: tokenIn(latest), password: PASSWORD }).expect(410);
    expect(json(expired).code).toBe('token_expired');

    const actions = (await auditActions(test, practice.id)).map((row) => `${row.action}:${row.entity_id ?? ''}`);
    expect(actions).toEqual(expect.arrayContaining([`user.invite:${userId}`, `user.invite_accepted:${userId}`, `auth.mfa_enrolled:${userId}`]));
  });

  it('forgot password: same answer for known and unknown emails, single-use 30-minute link, sessions revoked', async () => {
    const practice = await seedPractice(test, { name: 'Cedar Skin Studio' });
    const patient = await loginAs(test, practice.slug, 'patient', { givenName: 'Jordan', email: 'jordan@patients.example' });
    const before = smtp.messages.length;
    const forgot = (email: string, slug = practice.slug) => app().post('/v1/auth/password/forgot').send({ practice: slug, email });

    const known = await forgot('Jordan@patients.example').expect(202);
    const unknown = await forgot('nobody@patients.example').expect(202);
    const noPractice = await forgot('jordan@patients.example', 'no-such-practice').expect(202);
    expect(unknown.body).toEqual(known.body);
    expect(noPractice.body).toEqual(known.body);

    const mail = await smtp.waitFor(sentTo('jordan@patients.example'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.messages.length - before).toBe(1);
    expect(mail.subject).toBe('Reset your Cedar Skin Studio password');
    expect(mail.text).toContain('Hello Jordan,');
    const token = tokenIn(mail);
    expect(linkIn(mail).startsWith('https://clinic.example/reset-password?token=')).toBe(true);
    const stored = await asOwner(test.database.url, async (client) =>
      (await client.query<{ token_hash: string; ttl: number }>(
        `SELECT token_hash, extract(epoch FROM expires_at - created_at)::int AS ttl FROM user_tokens WHERE user_id = $1`,
        [patient.userId],
      )).rows,
    );
    expect(stored).toEqual([{ token_hash: tokenDigest(token), ttl: 30 * 60 }]);

    // Timing: measured (not asserted: the machine is shared), reported in the log.
    const timeOf = async (email: string): Promise<number> => {
      const start = process.hrtime.bigint();
      await forgot(email).expect(202);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const knownTimes: number[] = [];
    const unknownTimes: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      knownTimes.push(await timeOf('jordan@patients.example'));
      unknownTimes.push(await timeOf('nobody@patients.example'));
    }
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    process.stdout.write(`forgot-password median ms: known ${median(knownTimes).toFixed(1)}, unknown ${median(unknownTimes).toFixed(1)}\n`);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Only the newest link works.
    const newest = smtp.messages.filter(sentTo('jordan@patients.example')).at(-1);
    if (newest === undefined) throw new Error('no reset mail');
    const stale = await app().post('/v1/auth/password/reset').send({ token, newPassword: 'a brand new passphrase' }).expect(400);
    expect(json(stale).code).toBe('token_invalid');
    await app().post('/v1/auth/password/reset').send({ token: tokenIn(newest), newPassword: 'a brand new passphrase' }).expect(204);
    const used = await app().post('/v1/auth/password/reset').send({ token: tokenIn(newest), newPassword: 'another new passphrase' }).expect(410);
    expect(json(used).code).toBe('token_used');
    // The session from before the reset is over; the new password works, the old one not.
    await app().post('/v1/auth/refresh').send({ refreshToken: patient.refreshToken }).expect(401);
    await app().post('/v1/auth/login').send({ practice: practice.slug, email: 'jordan@patients.example', password: patient.user.password }).expect(401);
    await loginUser(test, practice.slug, { ...patient.user, password: 'a brand new passphrase' });

    await forgot('jordan@patients.example').expect(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await asOwner(test.database.url, (client) => client.query(`UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND used_at IS NULL`, [patient.userId]));
    const last = smtp.messages.filter(sentTo('jordan@patients.example')).at(-1);
    if (last === undefined) throw new Error('no reset mail');
    const expired = await app().post('/v1/auth/password/reset').send({ token: tokenIn(last), newPassword: 'a brand new passphrase' }).expect(410);
    expect(json(expired).code).toBe('token_expired');

    const audit = await auditActions(test, practice.id);
    expect(audit.filter((row) => row.action === 'auth.password_reset_requested' && row.entity_id === patient.userId).length).toBeGreaterThanOrEqual(12);
    expect(audit.filter((row) => row.action === 'auth.password_reset_requested' && row.outcome === 'failure').length).toBeGreaterThanOrEqual(11);
    expect(audit.filter((row) => row.action === 'auth.password_reset' && row.entity_id === patient.userId)).toHaveLength(1);
    // No audit row, log line or error carries the email.
    expect(test.logs.text()).not.toContain('jordan@patients.example');
  });

  it('changing a password needs the current one and ends the other sessions', async () => {
    const practice = await seedPractice(test);
    const first = await loginAs(test, practice.slug, 'front_desk');
    const second = await loginUser(test, practice.slug, first.user);
    const wrong = await app().post('/v1/me/password').set('authorization', bearer(first)).send({ currentPassword: 'not my password', newPassword: 'my new long passphrase' }).expect(401);
    expect(json(wrong).code).toBe('invalid_credentials');
    await app().post('/v1/me/password').set('authorization', bearer(first)).send({ currentPassword: first.user.password, newPassword: 'my new long passphrase' }).expect(204);
    await app().get('/v1/me').set('authorization', bearer(first)).expect(200);
    await app().get('/v1/me').set('authorization', bearer(second)).expect(401);
    await app().post('/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200);
    const actions = (await auditActions(test, practice.id)).map((row) => row.action);
    expect(actions).toContain('auth.password_changed');
  });
});

import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { startSmtpCapture } from '../support/smtpCapture.js';
import type { SmtpCapture } from '../support/smtpCapture.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { SeededPractice } from '../fixtures/identity.js';
import { setUpBookablePractice } from '../scheduling/schedulingFixtures.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

const APP_URL = 'https://clinic.example';

/** The token and practice a verification email links to (they ride in the URL fragment). */
function linkOf(mail: ParsedMail): { practice: string; token: string } {
  const match = /https:\/\/clinic\.example\/verify-email#practice=([a-z0-9-]+)&token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  if (match === null) throw new Error('no verification link in the email');
  return { practice: match[1] ?? '', token: match[2] ?? '' };
}

describe('patient self-registration with email verification', () => {
  let smtp: SmtpCapture;
  let test: TestApi;
  let practice: SeededPractice;

  beforeAll(async () => {
    smtp = await startSmtpCapture();
    test = await startTestApi({ SMTP_URL: smtp.url, PUBLIC_APP_URL: APP_URL });
    practice = await seedPractice(test);
  }, 60_000);

  afterAll(async () => {
    await test.close();
    await smtp.close();
  });

  const api = () => request(test.api.app);
  const register = (email: string, password: string, givenName = 'Rosa') =>
    api().post(`/v1/practices/${practice.slug}/patients`).send({ email, password, givenName, familyName: 'Lindqvist' });
  const login = (email: string, password: string) => api().post('/v1/auth/login').send({ practice: practice.slug, email, password });
  const mailsTo = (email: string) => smtp.messages.filter((mail) => mail.to !== undefined && JSON.stringify(mail.to).includes(email));

  it('gives the same answer for a new and a registered email; only the mailbox learns which', async () => {
    const fresh = await register('rosa@example.test', 'a long patient password').expect(202);
    const verification = await smtp.waitFor((mail) => mail.subject === `Confirm your email for ${practice.name}`);
    await api().post('/v1/auth/verify-email').send({ ...linkOf(verification), password: 'a long patient password' }).expect(200);

    const again = await register('ROSA@example.test', 'another long password', 'Mallory').expect(202);
    expect(again.body).toEqual(fresh.body);
    expect(Object.keys(again.headers).sort()).toEqual(Object.keys(fresh.headers).sort());
    const notice = await smtp.waitFor((mail) => (mail.subject ?? '').startsWith('Someone tried to create an account'));
    // The existing account keeps its own name and password.
    expect(notice.text).toContain('Hello Rosa,');
    expect(notice.text).toContain(`${APP_URL}/practices/${practice.slug}/sign-in`);
    await login('rosa@example.test', 'a long patient password').expect(200);
    await login('rosa@example.test', 'another long password').expect(401);
  });

  it('cannot be signed into before the link is opened; the link works once', async () => {
    await register('sam@example.test', 'sam patient password').expect(202);
    const mail = await smtp.waitFor((message) => mailsTo('sam@example.test').includes(message));
    expect(mail.text).toContain('Hello Rosa,');
    await login('sam@example.test', 'sam patient password').expect(401);
    const link = { ...linkOf(mail), password: 'sam patient password' };
    const opened = await api().post('/v1/auth/verify-email').send(link).expect(200);
    expect(opened.body).toEqual({ practice: { slug: practice.slug, name: practice.name }, email: 'sam@example.test' });
    await login('sam@example.test', 'sam patient password').expect(200);
    const reused = await api().post('/v1/auth/verify-email').send(link).expect(410);
    expect(reused.body).toMatchObject({ code: 'verification_link_used' });
    const stored = await asOwner(test.database.url, (client) =>
      client.query<{ n: string }>(`SELECT count(*) AS n FROM email_verification_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, [link.token]),
    );
    expect(stored.rows[0]?.n).toBe('1');
    const plain = await asOwner(test.database.url, (client) =>
      client.query<{ n: string }>(`SELECT count(*) AS n FROM email_verification_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`, [link.token]),
    );
    expect(plain.rows[0]?.n).toBe('0');
  });

  it('refuses an expired link (410) and a made-up one (400), with codes', async () => {
    await register('late@example.test', 'late patient password').expect(202);
    const link = { ...linkOf(await smtp.waitFor((message) => mailsTo('late@example.test').includes(message))), password: 'late patient password' };
    await asOwner(test.database.url, (client) =>
      client.query(`UPDATE email_verification_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day'
                     WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, [link.token]),
    );
    expect((await api().post('/v1/auth/verify-email').send(link).expect(410)).body).toMatchObject({ code: 'verification_link_expired' });
    expect((await api().post('/v1/auth/verify-email').send({ ...link, token: 'B'.repeat(43) }).expect(400)).body).toMatchObject({
      code: 'verification_link_invalid',
    });
    expect((await api().post('/v1/auth/verify-email').send({ practice: practice.slug, token: 'short', password: 'x' }).expect(400)).body).toMatchObject({
      code: 'validation_failed',
    });
  });

  it('lets only the mailbox owner choose the password of a not yet verified address', async () => {
    await register('victim@example.test', 'stranger chose this').expect(202);
    await register('victim@example.test', 'the real owner chose this').expect(202);
    await smtp.waitFor(() => mailsTo('victim@example.test').length >= 2);
    const [first, second] = mailsTo('victim@example.test');
    if (first === undefined || second === undefined) throw new Error('emails missing');
    // The stranger's link, clicked by the owner, needs the stranger's password: it does nothing.
    const mismatch = await api().post('/v1/auth/verify-email').send({ ...linkOf(first), password: 'the real owner chose this' }).expect(400);
    expect(mismatch.body).toMatchObject({ code: 'verification_password_mismatch' });
    await login('victim@example.test', 'stranger chose this').expect(401);
    await api().post('/v1/auth/verify-email').send({ ...linkOf(second), password: 'the real owner chose this' }).expect(200);
    await login('victim@example.test', 'the real owner chose this').expect(200);
    await login('victim@example.test', 'stranger chose this').expect(401);
  });
});

describe('booking needs a verified email', () => {
  let test: TestApi;
  beforeAll(async () => {
    test = await startTestApi();
  }, 60_000);
  afterAll(async () => {
    await test.close();
  });

  it('answers 403 email_not_verified to a patient whose address is unconfirmed', async () => {
    const bookable = await setUpBookablePractice(test);
    const patient = await loginAs(test, bookable.practice.slug, 'patient');
    await asOwner(test.database.url, (client) => client.query(`UPDATE users SET email_verified_at = NULL WHERE id = $1`, [patient.userId]));
    const startsAt = new Date(Date.now() + 3 * 86_400_000);
    const response = await request(test.api.app)
      .post('/v1/appointments')
      .set('authorization', bearer(patient))
      .send({
        appointmentTypeId: bookable.consultTypeId,
        providerId: bookable.injector.userId,
        startsAt: new Date(Math.ceil(startsAt.getTime() / 3_600_000) * 3_600_000).toISOString(),
        patientState: 'NY',
        patientTimeZone: 'America/Los_Angeles',
      });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: 'email_not_verified' });
  });
});

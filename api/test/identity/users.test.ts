import request from 'supertest';
import { asOwner } from '../testDatabase.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { bearer, createUser, loginAs, loginUser, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';

interface UserBody {
  id: string;
  role: string;
  email: string;
  disabled: boolean;
  practiceId: string;
}

describe('user administration and patient self-registration', () => {
  let test: TestApi;
  let practice: SeededPractice;
  let admin: LoggedIn;

  beforeAll(async () => {
    test = await startTestApi({ PASSWORD_HASH_PROFILE: 'test_minimum' });
    practice = await seedPractice(test);
    admin = await loginAs(test, practice.slug, 'admin');
  });

  afterAll(async () => {
    await test.close();
  });

  const api = () => request(test.api.app);

  async function auditCount(action: string, entityId: string): Promise<number> {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ count: string }>(`SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2`, [action, entityId]),
    );
    return Number(result.rows[0]?.count);
  }

  it('lets an admin create, list, read and update users, auditing each access', async () => {
    const created = await api()
      .post('/v1/users')
      .set('authorization', bearer(admin))
      .send({ role: 'front_desk', email: 'desk@example.test', password: 'correct horse battery', givenName: 'Dee', familyName: 'Esk' })
      .expect(201);
    const user = created.body as UserBody;
    expect(user).toMatchObject({ role: 'front_desk', email: 'desk@example.test', disabled: false, practiceId: practice.id });
    expect(created.body).not.toHaveProperty('passwordHash');
    expect(await auditCount('user.create', user.id)).toBe(1);

    const listed = await api().get('/v1/users?role=front_desk').set('authorization', bearer(admin)).expect(200);
    expect((listed.body as { users: UserBody[] }).users.map((row) => row.id)).toContain(user.id);

    await api().get(`/v1/users/${user.id}`).set('authorization', bearer(admin)).expect(200);
    expect(await auditCount('user.read', user.id)).toBe(1);

    const updated = await api()
      .patch(`/v1/users/${user.id}`)
      .set('authorization', bearer(admin))
      .send({ role: 'compliance_officer' })
      .expect(200);
    expect(updated.body).toMatchObject({ role: 'compliance_officer' });
    expect(await auditCount('user.update', user.id)).toBe(1);
  });

  it('refuses duplicate emails (case-insensitive) with 409 and weak passwords with 400', async () => {
    const send = (email: string, password: string) =>
      api().post('/v1/users').set('authorization', bearer(admin)).send({ role: 'patient', email, password, givenName: 'A', familyName: 'B' });
    await send('dup@example.test', 'long enough password').expect(201);
    expect((await send('DUP@example.test', 'long enough password').expect(409)).body).toMatchObject({ code: 'email_taken' });
    expect((await send('short@example.test', 'too-short').expect(400)).body).toMatchObject({ code: 'validation_failed' });
    await send('long@example.test', 'x'.repeat(129)).expect(400);
  });

  it('disabling a user ends their sessions and blocks sign-in', async () => {
    const target = await loginAs(test, practice.slug, 'injector');
    await api().get('/v1/me').set('authorization', bearer(target)).expect(200);
    await api().patch(`/v1/users/${target.userId}`).set('authorization', bearer(admin)).send({ disabled: true }).expect(200);
    await api().get('/v1/me').set('authorization', bearer(target)).expect(401);
    await expect(loginUser(test, practice.slug, target.user)).rejects.toThrow(/401/);
  });

  it('resets a staff member’s MFA so the next sign-in must enrol again', async () => {
    const target = await loginAs(test, practice.slug, 'medical_director');
    await api()
      .patch(`/v1/users/${target.userId}`)
      .set('authorization', bearer(admin))
      .send({ resetMfa: true })
      .expect(200);
    await api().get('/v1/me').set('authorization', bearer(target)).expect(401);
    const again = await api()
      .post('/v1/auth/login')
      .send({ practice: practice.slug, email: target.user.email, password: target.user.password })
      .expect(200);
    expect(again.body).toMatchObject({ status: 'mfa_enrolment_required' });
    const audit = await asOwner(test.database.url, (client) =>
      client.query<{ metadata: unknown }>(`SELECT metadata FROM audit_events WHERE action = 'user.update' AND entity_id = $1`, [
        target.userId,
      ]),
    );
    expect(audit.rows).toEqual([{ metadata: { role: null, disabled: null, mfaReset: true } }]);
  });

  it('keeps admins from changing themselves and staff from administering users', async () => {
    const self = await api().patch(`/v1/users/${admin.userId}`).set('authorization', bearer(admin)).send({ disabled: true });
    expect(self.status).toBe(409);
    const shouted = await api()
      .patch(`/v1/users/${admin.userId.toUpperCase()}`)
      .set('authorization', bearer(admin))
      .send({ disabled: true });
    expect(shouted.status).toBe(409);
    const desk = await loginAs(test, practice.slug, 'front_desk');
    await api().get('/v1/users').set('authorization', bearer(desk)).expect(403);
  });

  it('does not reveal another practice’s users (404, not the record)', async () => {
    const other = await seedPractice(test);
    const stranger = await createUser(test, other.id, 'patient');
    expect((await api().get(`/v1/users/${stranger.id}`).set('authorization', bearer(admin)).expect(404)).body).toMatchObject({
      code: 'user_not_found',
    });
    await api().patch(`/v1/users/${stranger.id}`).set('authorization', bearer(admin)).send({ disabled: true }).expect(404);
    const listed = await api().get('/v1/users').set('authorization', bearer(admin)).expect(200);
    expect((listed.body as { users: UserBody[] }).users.every((row) => row.practiceId === practice.id)).toBe(true);
  });

  it('answers patient self-registration with 202 (verification by email: patientRegistration.test.ts)', async () => {
    const registered = await api()
      .post(`/v1/practices/${practice.slug}/patients`)
      .send({ email: 'newpatient@example.test', password: 'a long patient password', givenName: 'Pat', familyName: 'Ient' })
      .expect(202);
    expect(registered.body).toEqual({ status: 'check_email' });
    await api()
      .post('/v1/practices/no-such-practice/patients')
      .send({ email: 'x@example.test', password: 'a long patient password', givenName: 'P', familyName: 'Q' })
      .expect(404);
  });
});

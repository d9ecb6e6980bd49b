import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/dataSource.js';
import { PasswordHasher } from '../../src/modules/identity/passwords.js';
import { createPracticeWithAdmin, newPracticeSchema } from '../../src/modules/identity/practiceProvisioning.js';
import { totpCodeAt } from '../../src/modules/identity/totp.js';
import { asOwner } from '../testDatabase.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';

describe('practice provisioning (create-practice CLI core)', () => {
  let test: TestApi;
  let owner: DataSource;
  const hasher = new PasswordHasher('test_minimum');
  const input = newPracticeSchema.parse({
    slug: 'glow-medspa',
    name: 'Glow Medspa',
    timeZone: 'America/Chicago',
    adminEmail: 'owner@glow.example',
    adminPassword: 'a sufficiently long password',
    adminGivenName: 'Olive',
    adminFamilyName: 'Owner',
  });

  beforeAll(async () => {
    test = await startTestApi({ PASSWORD_HASH_PROFILE: 'test_minimum' });
    owner = createDataSource({ url: test.database.url, purpose: 'owner', poolSize: 1 });
    await owner.initialize();
  });

  afterAll(async () => {
    await owner.destroy();
    await test.close();
  });

  it('creates the practice and an admin who must enrol TOTP at first sign-in', async () => {
    const { practiceId, adminUserId } = await createPracticeWithAdmin(owner, hasher, input);
    const audit = await asOwner(test.database.url, (client) =>
      client.query<{ action: string; entity_id: string }>(`SELECT action, entity_id FROM audit_events WHERE practice_id = $1`, [
        practiceId,
      ]),
    );
    expect(audit.rows).toEqual([{ action: 'user.create', entity_id: adminUserId }]);

    const first = await request(test.api.app)
      .post('/v1/auth/login')
      .send({ practice: input.slug, email: input.adminEmail, password: input.adminPassword })
      .expect(200);
    const { enrolmentToken } = first.body as { enrolmentToken: string };
    const enrol = await request(test.api.app).post('/v1/auth/mfa/enrol').send({ enrolmentToken }).expect(200);
    const { secret } = enrol.body as { secret: string };
    const confirmed = await request(test.api.app)
      .post('/v1/auth/mfa/confirm')
      .send({ enrolmentToken, totpCode: totpCodeAt(secret) })
      .expect(200);
    expect(confirmed.body).toMatchObject({ user: { id: adminUserId, role: 'admin', practiceId } });
  });

  it('refuses a duplicate slug, an unknown time zone and a short password', async () => {
    await expect(createPracticeWithAdmin(owner, hasher, input)).rejects.toMatchObject({ code: 'practice_exists' });
    await expect(
      createPracticeWithAdmin(owner, hasher, { ...input, slug: 'other-spa', timeZone: 'Mars/Olympus_Mons' }),
    ).rejects.toThrow(/time zone/);
    expect(newPracticeSchema.safeParse({ ...input, adminPassword: 'short' }).success).toBe(false);
  });
});

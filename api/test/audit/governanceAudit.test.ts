import request from 'supertest';
import { ensureProviderProfile } from '../clinical/clinicalFixtures.js';
import { bearer, createUser, loginAs, seedPractice } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

jest.setTimeout(120_000);

describe('governance changes are on the audit chain', () => {
  let test: TestApi;

  beforeAll(async () => {
    test = await startTestApi();
  });

  afterAll(async () => {
    await test.close();
  });

  it('records license added and revoked, consent document published, role change, user disabled and MFA reset', async () => {
    const practice = await seedPractice(test);
    const admin = await loginAs(test, practice.slug, 'admin');
    const provider = await createUser(test, practice.id, 'injector');
    const staff = await createUser(test, practice.id, 'front_desk');
    await ensureProviderProfile(test, practice.id, provider.id);
    const app = request(test.api.app);

    const license = await app
      .post(`/v1/providers/${provider.id}/licenses`)
      .set('authorization', bearer(admin))
      .send({ state: 'NY', licenseNumber: 'RN-778899', validFrom: '2020-01-01', expiresOn: '2099-12-31' })
      .expect(201);
    const licenseId = (license.body as { id: string }).id;
    await app.post(`/v1/providers/${provider.id}/licenses/${licenseId}/revoke`).set('authorization', bearer(admin)).expect(200);
    const draft = await app
      .post('/v1/consent-documents')
      .set('authorization', bearer(admin))
      .send({ kind: 'telehealth', title: 'Telehealth consent', body: 'I agree to care by video.' })
      .expect(201);
    const documentId = (draft.body as { id: string }).id;
    await app.post(`/v1/consent-documents/${documentId}/publish`).set('authorization', bearer(admin)).expect(200);
    await app.patch(`/v1/users/${staff.id}`).set('authorization', bearer(admin)).send({ role: 'injector' }).expect(200);
    await app.patch(`/v1/users/${staff.id}`).set('authorization', bearer(admin)).send({ resetMfa: true }).expect(200);
    await app.patch(`/v1/users/${staff.id}`).set('authorization', bearer(admin)).send({ disabled: true }).expect(200);

    const events = await asOwner(test.database.url, (client) =>
      client.query<{ action: string; entity_id: string; actor_user_id: string; metadata: Record<string, unknown> | null }>(
        `SELECT action, entity_id, actor_user_id, metadata FROM audit_events
         WHERE practice_id = $1 AND action IN ('license.add', 'license.revoke', 'consent_document.publish', 'user.update')
         ORDER BY seq`,
        [practice.id],
      ),
    );
    expect(events.rows.map((e) => [e.action, e.entity_id, e.actor_user_id])).toEqual([
      ['license.add', licenseId, admin.userId],
      ['license.revoke', licenseId, admin.userId],
      ['consent_document.publish', documentId, admin.userId],
      ['user.update', staff.id, admin.userId],
      ['user.update', staff.id, admin.userId],
      ['user.update', staff.id, admin.userId],
    ]);
    expect(events.rows[0]?.metadata).toEqual({ providerId: provider.id, state: 'NY' });
    expect(JSON.stringify(events.rows)).not.toContain('RN-778899');
    expect(events.rows[2]?.metadata).toMatchObject({ kind: 'telehealth', version: 1 });
    expect(events.rows.slice(3).map((e) => e.metadata)).toEqual([
      { role: 'injector', disabled: null, mfaReset: false },
      { role: null, disabled: null, mfaReset: true },
      { role: null, disabled: true, mfaReset: false },
    ]);
  });
});

import request from 'supertest';
import { ensureProviderProfile } from '../clinical/clinicalFixtures.js';
import { bearer, createUser, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';
import type { TestApi } from '../testApi.js';
import { startTestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';

interface AuditRow {
  action: string;
  outcome: string;
  actor_user_id: string | null;
  entity_type: string | null;
  entity_id: string | null;
  metadata: Record<string, unknown> | null;
}

/** Governance changes (issue 11): each leaves its own audit event, read back from the chain. */
describe('governance audit events', () => {
  let test: TestApi;
  let practice: SeededPractice;
  let admin: LoggedIn;

  async function eventsFor(entityId: string): Promise<AuditRow[]> {
    const rows = await asOwner(test.database.url, (client) =>
      client.query<AuditRow>(
        `SELECT action, outcome, actor_user_id, entity_type, entity_id, metadata FROM audit_events
         WHERE practice_id = $1 AND entity_id = $2 ORDER BY seq`,
        [practice.id, entityId],
      ),
    );
    return rows.rows;
  }

  beforeAll(async () => {
    test = await startTestApi();
    practice = await seedPractice(test);
    admin = await loginAs(test, practice.slug, 'admin');
  }, 120_000);

  afterAll(async () => {
    await test.close();
  });

  const app = (): ReturnType<typeof request> => request(test.api.app);

  it('records role changes, disabling and enabling, and MFA resets, once per effective change', async () => {
    const user = await createUser(test, practice.id, 'front_desk');
    const path = `/v1/users/${user.id}`;
    await app().patch(path).set('authorization', bearer(admin)).send({ role: 'injector' }).expect(200);
    await app().patch(path).set('authorization', bearer(admin)).send({ role: 'injector' }).expect(200);
    await app().patch(path).set('authorization', bearer(admin)).send({ disabled: true }).expect(200);
    await app().patch(path).set('authorization', bearer(admin)).send({ disabled: false }).expect(200);
    await app().patch(path).set('authorization', bearer(admin)).send({ resetMfa: true }).expect(200);

    const events = (await eventsFor(user.id)).filter((row) => row.action !== 'user.update' && row.action !== 'user.create');
    expect(events).toEqual([
      expect.objectContaining({ action: 'user.role_change', outcome: 'success', actor_user_id: admin.userId, metadata: { from_role: 'front_desk', to_role: 'injector' } }),
      expect.objectContaining({ action: 'user.disable', entity_type: 'user' }),
      expect.objectContaining({ action: 'user.enable', entity_type: 'user' }),
      expect.objectContaining({ action: 'user.mfa_reset', metadata: { was_enrolled: true } }),
    ]);
  });

  it('records licenses added and revoked (the number stays out of the trail)', async () => {
    const provider = await loginAs(test, practice.slug, 'injector');
    await ensureProviderProfile(test, practice.id, provider.userId);
    const added = await app()
      .post(`/v1/providers/${provider.userId}/licenses`)
      .set('authorization', bearer(admin))
      .send({ state: 'NY', licenseNumber: 'RN-778899', validFrom: '2025-01-01', expiresOn: '2027-12-31' })
      .expect(201);
    const licenseId = (added.body as { id: string }).id;
    const revoke = `/v1/providers/${provider.userId}/licenses/${licenseId}/revoke`;
    await app().post(revoke).set('authorization', bearer(admin)).expect(200);
    await app().post(revoke).set('authorization', bearer(admin)).expect(200);
    const events = await eventsFor(licenseId);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'license.add',
        entity_type: 'provider_license',
        metadata: { provider_id: provider.userId, state: 'NY', expires_on: '2027-12-31' },
      }),
      expect.objectContaining({ action: 'license.revoke', actor_user_id: admin.userId }),
    ]);
    expect(JSON.stringify(events)).not.toContain('RN-778899');
  });

  it('records a consent document being published with its version and digest', async () => {
    const author = await loginAs(test, practice.slug, 'compliance_officer');
    const draft = await app()
      .post('/v1/consent-documents')
      .set('authorization', bearer(author))
      .send({ kind: 'telehealth', title: 'Telehealth consent', body: 'I agree to be seen over video.' })
      .expect(201);
    const document = draft.body as { id: string; version: number; bodySha256?: string };
    await app().post(`/v1/consent-documents/${document.id}/publish`).set('authorization', bearer(author)).expect(200);
    const events = await eventsFor(document.id);
    expect(events).toEqual([
      expect.objectContaining({
        action: 'consent_document.publish',
        actor_user_id: author.userId,
        entity_type: 'consent_document',
        metadata: expect.objectContaining({ kind: 'telehealth', version: document.version }) as unknown,
      }),
    ]);
    expect(events[0]?.metadata?.body_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

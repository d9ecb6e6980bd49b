import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AuditEventView } from '../../src/modules/audit/auditSearchService.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { appendEvents } from './auditTestSupport.js';

jest.setTimeout(120_000);

interface Page {
  events: AuditEventView[];
  nextCursor: string | null;
}

describe('audit search and verification endpoints', () => {
  let test: TestApi;
  let practice: SeededPractice;
  let officer: LoggedIn;
  const patientId = randomUUID();

  beforeAll(async () => {
    test = await startTestApi();
    practice = await seedPractice(test);
    officer = await loginAs(test, practice.slug, 'compliance_officer');
    await appendEvents(test.api.services.dataSource, practice.id, 25, 25, (i) => ({
      patientId: i % 5 === 0 ? patientId : null,
    }));
  });

  afterAll(async () => {
    await test.close();
  });

  const search = (query: Record<string, string>, session: LoggedIn = officer): request.Test =>
    request(test.api.app).get('/v1/audit/events').query(query).set('authorization', bearer(session));

  it('pages through one patient’s events newest first, and audits each search', async () => {
    const first = await search({ patientId, limit: '2' }).expect(200);
    const page1 = first.body as Page;
    expect(page1.events).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const second = await search({ patientId, limit: '2', cursor: page1.nextCursor ?? '' }).expect(200);
    const page2 = second.body as Page;
    const third = await search({ patientId, limit: '2', cursor: page2.nextCursor ?? '' }).expect(200);
    const page3 = third.body as Page;
    const seqs = [...page1.events, ...page2.events, ...page3.events].map((event) => event.seq);
    // Every fifth append concerns the patient; seq 1 is the officer's login.
    expect(seqs).toEqual([22, 17, 12, 7, 2]);
    expect(page3.nextCursor).toBeNull();
    expect(page1.events[0]).toMatchObject({ patientId, entityType: 'patient', actorRole: 'injector', ip: '203.0.113.7' });

    const logged = await asOwner(test.database.url, (client) =>
      client.query<{ actor_user_id: string; patient_id: string; metadata: Record<string, unknown> }>(
        `SELECT actor_user_id, patient_id, metadata FROM audit_events
         WHERE practice_id = $1 AND action = 'audit.search' ORDER BY seq`,
        [practice.id],
      ),
    );
    expect(logged.rows).toHaveLength(3);
    expect(logged.rows[0]).toEqual({
      actor_user_id: officer.userId,
      patient_id: patientId,
      metadata: { patientId, resultCount: 2, paged: false },
    });
  });

  it('filters by action, outcome, actor and time', async () => {
    const denied = (await search({ outcome: 'denied', limit: '100' }).expect(200)).body as Page;
    expect(denied.events.length).toBeGreaterThan(0);
    expect(denied.events.every((event) => event.outcome === 'denied')).toBe(true);
    const logins = (await search({ action: 'auth.login' }).expect(200)).body as Page;
    expect(logins.events.every((event) => event.action === 'auth.login')).toBe(true);
    const mine = (await search({ actorUserId: officer.userId }).expect(200)).body as Page;
    expect(mine.events.length).toBeGreaterThan(0);
    expect(mine.events.every((event) => event.actorUserId === officer.userId)).toBe(true);
    const future = (await search({ from: new Date(Date.now() + 60_000).toISOString() }).expect(200)).body as Page;
    expect(future.events).toEqual([]);
  });

  it('rejects malformed filters with 400 and non-compliance roles with 403', async () => {
    const bad: Record<string, string>[] = [
      { limit: '0' },
      { limit: '501' },
      { cursor: 'abc' },
      { patientId: 'x' },
      { from: 'yesterday' },
      { outcome: 'maybe' },
    ];
    for (const query of bad) {
      await search(query).expect(400);
    }
    for (const role of ['admin', 'front_desk', 'injector', 'patient'] as const) {
      await search({}, await loginAs(test, practice.slug, role)).expect(403);
    }
  });

  it('verifies the chain for compliance officers and admins, auditing each run', async () => {
    const response = await request(test.api.app).get('/v1/audit/verify').set('authorization', bearer(officer)).expect(200);
    expect(response.body).toMatchObject({ ok: true });
    const admin = await loginAs(test, practice.slug, 'admin');
    const again = await request(test.api.app).get('/v1/audit/verify').set('authorization', bearer(admin)).expect(200);
    // The first verification's own audit event is part of what the second one checks.
    expect((again.body as { checkedCount: number }).checkedCount).toBeGreaterThan((response.body as { checkedCount: number }).checkedCount);
    await request(test.api.app)
      .get('/v1/audit/verify')
      .set('authorization', bearer(await loginAs(test, practice.slug, 'injector')))
      .expect(403);
  });

  it('cannot see another practice’s events', async () => {
    const other = await seedPractice(test);
    await appendEvents(test.api.services.dataSource, other.id, 3, 3, () => ({ patientId }));
    const page = (await search({ patientId, limit: '100' }).expect(200)).body as Page;
    const theirs = await asOwner(test.database.url, (client) =>
      client.query<{ id: string }>('SELECT id FROM audit_events WHERE practice_id = $1', [other.id]),
    );
    expect(theirs.rows).toHaveLength(3);
    const returned = new Set(page.events.map((event) => event.id));
    expect(theirs.rows.filter((row) => returned.has(row.id))).toEqual([]);
    // Ours: the five reads plus the audited searches about this patient.
    expect(page.events.filter((event) => event.action !== 'audit.search')).toHaveLength(5);
  });
});

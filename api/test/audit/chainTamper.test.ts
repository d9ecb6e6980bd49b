import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { recordAudit } from '../../src/audit/auditWriter.js';
import { chainHashOfText } from '../../src/audit/chainHash.js';
import { verifyPracticeChain } from '../../src/audit/chainVerifier.js';
import { leafHashOfChainHash, leavesOf, subtreeRoot } from '../../src/audit/merkleTree.js';
import type { ChainVerification } from '../../src/audit/chainVerifier.js';
import { createDataSource } from '../../src/db/dataSource.js';
import { withTenant } from '../../src/db/tenantTransaction.js';
import { verifyAuditChain } from '../../src/modules/audit/auditVerifyService.js';
import { asOwner, createTestDatabase } from '../testDatabase.js';
import type { TestDatabase } from '../testDatabase.js';
import { appendEvents, contextFor, insertPractice } from './auditTestSupport.js';

jest.setTimeout(120_000);

describe('audit chain: append-only storage and tamper detection', () => {
  let database: TestDatabase;
  let app: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = createDataSource({ url: database.url, purpose: 'app', poolSize: 12 });
    await app.initialize();
  });

  afterAll(async () => {
    await app.destroy();
    await database.drop();
  });

  /**
   * The chain verdict, with the native fast path (chainLinks.ts) and by the JavaScript walk
   * alone, which must agree on it and on the recomputed tree (checked further by
   * checkpointVerify.test.ts).
   */
  const verifyAsOwner = (practiceId: string): Promise<Pick<ChainVerification, 'ok' | 'checkedCount' | 'firstBroken'>> =>
    asOwner(database.url, async (client) => {
      const withNative = await verifyPracticeChain(client, practiceId);
      const javaScriptOnly = await verifyPracticeChain(client, practiceId, { native: false });
      expect(withNative).toEqual(javaScriptOnly);
      const { ok, checkedCount, firstBroken } = withNative;
      return firstBroken === undefined ? { ok, checkedCount } : { ok, checkedCount, firstBroken };
    });

  /** Runs `work` as the owner with the append-only trigger disabled, as a tamperer with full access could. */
  const tamper = (work: (client: Client) => Promise<unknown>): Promise<void> =>
    asOwner(database.url, async (client) => {
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      try {
        await work(client);
      } finally {
        await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
      }
    });

  const eventAt = async (practiceId: string, seq: number): Promise<string> => {
    const result = await asOwner(database.url, (client) =>
      client.query<{ id: string }>('SELECT id FROM audit_events WHERE practice_id = $1 AND seq = $2', [practiceId, seq]),
    );
    const id = result.rows[0]?.id;
    if (id === undefined) throw new Error(`no event ${seq}`);
    return id;
  };

  it('verifies an intact chain of many events, through the library and the audited service', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 600, 100, (i) => ({
      // Metadata and awkward text are hashed too.
      metadata: i % 5 === 0 ? { format: 'csv', rows: i, intact: true, none: null } : null,
      entityId: i % 11 === 0 ? `tab\there, "quote", back\\slash, new\nline, ünïcödé` : `entity-${i}`,
    }));
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({ ok: true, checkedCount: 600 });

    const context = contextFor(practice.id, 'compliance_officer');
    await expect(verifyAuditChain(app, context)).resolves.toMatchObject({ ok: true, checkedCount: 600 });
    // The verification itself is on the chain, with its result, and the chain still verifies.
    const logged = await asOwner(database.url, (client) =>
      client.query<{ action: string; metadata: unknown; actor_user_id: string }>(
        'SELECT action, metadata, actor_user_id FROM audit_events WHERE practice_id = $1 AND seq = 601',
        [practice.id],
      ),
    );
    expect(logged.rows[0]).toEqual({
      action: 'audit.verify',
      actor_user_id: context.auth?.userId,
      metadata: { intact: true, checkedCount: 600, brokenSeq: null, brokenEventId: null, reason: null },
    });
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({ ok: true, checkedCount: 601 });
  });

  it('grows the same tree with and without the native fast path: roots asked for, every leaf', async () => {
    const practice = await insertPractice(database.url);
    // Metadata on some rows sends them to the JavaScript walk between native runs.
    await appendEvents(app, practice.id, 1_300, 100, (i) => ({ metadata: i % 7 === 0 ? { rows: i } : null }));
    // Sizes inside native runs, at JavaScript rows, the whole chain, and one never reached.
    const rootsAt = new Set([1, 7, 8, 511, 512, 513, 1_024, 1_300, 5_000]);
    const [withNative, javaScriptOnly, stored] = await asOwner(database.url, async (client) => [
      await verifyPracticeChain(client, practice.id, { rootsAt, keepLeaves: true }),
      await verifyPracticeChain(client, practice.id, { rootsAt, keepLeaves: true, native: false }),
      (await client.query<{ hash: string }>('SELECT hash FROM audit_events WHERE practice_id = $1 ORDER BY seq', [practice.id])).rows,
    ]);
    // Against the recursive definition over each stored hash's leaf.
    const leaves = leavesOf(stored.map((row) => leafHashOfChainHash(row.hash)));
    const rootOf = (size: number): string => subtreeRoot(leaves, 0, size).toString('hex');
    for (const result of [withNative, javaScriptOnly]) {
      expect(result).toMatchObject({ ok: true, checkedCount: 1_300, tree: { size: 1_300, rootHash: rootOf(1_300) } });
      expect([...result.rootsAt].sort(([a], [b]) => a - b)).toEqual([1, 7, 8, 511, 512, 513, 1_024, 1_300].map((size) => [size, rootOf(size)]));
      expect(result.leaves?.size).toBe(1_300);
      for (let i = 0; i < 1_300; i += 1) {
        if (!result.leaves?.leaf(i).equals(leaves.leaf(i))) throw new Error(`leaf ${i} differs`);
      }
    }
  });

  it('reports an empty chain as intact', async () => {
    const practice = await insertPractice(database.url);
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({ ok: true, checkedCount: 0 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit events to the runtime role', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 3);
    const attempts = [
      `UPDATE audit_events SET outcome = 'failure' WHERE seq = 2`,
      `DELETE FROM audit_events WHERE seq = 2`,
      `TRUNCATE audit_events`,
      `DELETE FROM audit_chain_heads`,
    ];
    for (const sql of attempts) {
      await expect(withTenant(app, practice.id, (manager) => manager.query(sql))).rejects.toThrow(/permission denied/);
    }
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({ ok: true, checkedCount: 3 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE even to the owner while the trigger is on', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 2);
    for (const sql of [`UPDATE audit_events SET outcome = 'failure'`, 'DELETE FROM audit_events', 'TRUNCATE audit_events']) {
      await expect(asOwner(database.url, (client) => client.query(sql))).rejects.toThrow(/append-only/);
    }
  });

  it('names the altered event when one field of one row is changed', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 40);
    const target = await eventAt(practice.id, 17);
    await tamper((client) => client.query(`UPDATE audit_events SET outcome = 'success', action = 'user.read' WHERE id = $1`, [target]));
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({
      ok: false,
      checkedCount: 16,
      firstBroken: { seq: 17, eventId: target, reason: 'hash_mismatch' },
    });
  });

  it('notices a timestamp moved by microseconds', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 5);
    const target = await eventAt(practice.id, 3);
    await tamper((client) =>
      client.query(`UPDATE audit_events SET occurred_at = occurred_at + interval '1 microsecond' WHERE id = $1`, [target]),
    );
    await expect(verifyAsOwner(practice.id)).resolves.toMatchObject({
      ok: false,
      firstBroken: { seq: 3, eventId: target, reason: 'hash_mismatch' },
    });
  });

  it('names the next link when a row is altered and re-hashed', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 10);
    const target = await eventAt(practice.id, 4);
    const next = await eventAt(practice.id, 5);
    await tamper((client) => client.query(`UPDATE audit_events SET hash = repeat('a', 64) WHERE id = $1`, [target]));
    // The altered hash no longer matches its row either: the first break is the row itself.
    await expect(verifyAsOwner(practice.id)).resolves.toMatchObject({ firstBroken: { seq: 4, reason: 'hash_mismatch' } });
    // A forger who changes a field and recomputes the row's hash with the real algorithm
    // makes the row itself consistent, but the next event still links to the old hash.
    await tamper(async (client) => {
      const rows = await client.query<Record<string, string | null>>(
        `SELECT practice_id, seq::text AS seq, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t,
                actor_user_id, actor_role, action, entity_type, entity_id, patient_id, outcome, ip, user_agent, request_id, prev_hash
         FROM audit_events WHERE id = $1`,
        [target],
      );
      const row = rows.rows[0];
      if (row === undefined) throw new Error('row vanished');
      const forged = chainHashOfText(row.prev_hash ?? '', {
        practiceId: row.practice_id ?? '',
        seq: row.seq ?? '',
        occurredAt: row.t ?? '',
        actorUserId: row.actor_user_id ?? null,
        actorRole: row.actor_role ?? null,
        action: row.action ?? '',
        entityType: row.entity_type ?? null,
        entityId: 'forged-entity',
        patientId: row.patient_id ?? null,
        outcome: row.outcome ?? '',
        ip: row.ip ?? null,
        userAgent: row.user_agent ?? null,
        requestId: row.request_id ?? null,
        canonicalMetadata: null,
      });
      await client.query(`UPDATE audit_events SET entity_id = 'forged-entity', hash = $2 WHERE id = $1`, [target, forged]);
    });
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({
      ok: false,
      checkedCount: 4,
      firstBroken: { seq: 5, eventId: next, reason: 'prev_hash_mismatch' },
    });
  });

  it('names the event after a deleted row as a seq gap', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 20);
    const deleted = await eventAt(practice.id, 9);
    const after = await eventAt(practice.id, 10);
    await tamper((client) => client.query('DELETE FROM audit_events WHERE id = $1', [deleted]));
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({
      ok: false,
      checkedCount: 8,
      firstBroken: { seq: 10, eventId: after, reason: 'seq_gap' },
    });
  });

  it('notices a deleted last event and an edited chain head', async () => {
    const practice = await insertPractice(database.url);
    await appendEvents(app, practice.id, 12);
    const eleventh = await eventAt(practice.id, 11);
    const twelfth = await eventAt(practice.id, 12);

    await asOwner(database.url, (client) =>
      client.query(`UPDATE audit_chain_heads SET last_hash = repeat('b', 64) WHERE practice_id = $1`, [practice.id]),
    );
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({
      ok: false,
      checkedCount: 12,
      firstBroken: { seq: 12, eventId: twelfth, reason: 'head_mismatch' },
    });

    // Restore the head, then cut the tail: the head still points at the vanished event.
    await asOwner(database.url, (client) =>
      client.query(
        `UPDATE audit_chain_heads h SET last_hash = e.hash FROM audit_events e
         WHERE h.practice_id = $1 AND e.practice_id = $1 AND e.seq = 12`,
        [practice.id],
      ),
    );
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({ ok: true, checkedCount: 12 });
    await tamper((client) => client.query('DELETE FROM audit_events WHERE id = $1', [twelfth]));
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({
      ok: false,
      checkedCount: 11,
      firstBroken: { seq: 11, eventId: eleventh, reason: 'head_mismatch' },
    });
  });

  it('keeps a gapless, valid chain under many concurrent writers', async () => {
    const practice = await insertPractice(database.url);
    const writers = 60;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        withTenant(app, practice.id, (manager) =>
          recordAudit(manager, practice.id, contextFor(practice.id, 'front_desk'), {
            action: 'appointment.read',
            entityType: 'appointment',
            entityId: `appt-${i}`,
          }),
        ),
      ),
    );
    const seqs = await asOwner(database.url, (client) =>
      client.query<{ seq: string }>('SELECT seq::text AS seq FROM audit_events WHERE practice_id = $1 ORDER BY audit_events.seq', [practice.id]),
    );
    expect(seqs.rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
    await expect(verifyAsOwner(practice.id)).resolves.toEqual({ ok: true, checkedCount: writers });
  });

  it('keeps one practice’s break out of another practice’s verification', async () => {
    const intact = await insertPractice(database.url);
    const damaged = await insertPractice(database.url);
    await appendEvents(app, intact.id, 5);
    await appendEvents(app, damaged.id, 5);
    await tamper((client) => client.query(`UPDATE audit_events SET ip = '198.51.100.1' WHERE practice_id = $1 AND seq = 1`, [damaged.id]));
    await expect(verifyAsOwner(intact.id)).resolves.toEqual({ ok: true, checkedCount: 5 });
    await expect(verifyAsOwner(damaged.id)).resolves.toMatchObject({ ok: false, firstBroken: { seq: 1, reason: 'hash_mismatch' } });
  });
});

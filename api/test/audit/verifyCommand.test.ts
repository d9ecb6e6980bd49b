import { runVerifyCommand } from '../../src/audit/verifyCommand.js';
import { createDataSource } from '../../src/db/dataSource.js';
import { asOwner, createTestDatabase } from '../testDatabase.js';
import type { TestDatabase } from '../testDatabase.js';
import { appendEvents, insertPractice } from './auditTestSupport.js';

jest.setTimeout(120_000);

describe('verify-audit-chain command', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  const run = async (args: string[], url: string | undefined = database.url) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerifyCommand(args, url, { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { code, out, err };
  };

  it('exits 0 when intact, 1 naming the first broken link, 2 on usage errors', async () => {
    const app = createDataSource({ url: database.url, purpose: 'app' });
    await app.initialize();
    const good = await insertPractice(database.url);
    const bad = await insertPractice(database.url);
    await appendEvents(app, good.id, 8);
    await appendEvents(app, bad.id, 8);
    await app.destroy();

    await expect(run([])).resolves.toMatchObject({ code: 0, err: [] });
    const single = await run(['--practice', good.slug]);
    expect(single.code).toBe(0);
    expect(single.out[0]).toBe(`ok      ${good.slug}  8 events`);

    const target = await asOwner(database.url, async (client) => {
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      const rows = await client.query<{ id: string }>(
        `UPDATE audit_events SET action = 'audit.search' WHERE practice_id = $1 AND seq = 6 RETURNING id`,
        [bad.id],
      );
      await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
      return rows.rows[0]?.id;
    });
    const all = await run([]);
    expect(all.code).toBe(1);
    expect(all.out).toContain(`ok      ${good.slug}  8 events`);
    expect(all.out).toContain(
      `BROKEN  ${bad.slug}  first broken link: seq 6, event ${String(target)}, hash_mismatch (5 events verified before it)`,
    );

    await expect(run(['--practice', 'no-such-practice'])).resolves.toMatchObject({ code: 2 });
    await expect(run(['--bogus'])).resolves.toMatchObject({ code: 2 });
    await expect(run([], '')).resolves.toMatchObject({ code: 2 });
  });
});

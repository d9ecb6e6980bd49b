import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import request from 'supertest';
import { MerkleFrontier, leafHashOfChainHash, verifyConsistency, verifyInclusion } from '../../src/audit/merkleTree.js';
import { verifyTreeHead } from '../../src/audit/treeHead.js';
import { runVerifyCommand } from '../../src/audit/verifyCommand.js';
import { witnessFile } from '../../src/audit/witness.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { appendEvents } from './auditTestSupport.js';

jest.setTimeout(240_000);

const hex = (value: string): Buffer => Buffer.from(value, 'hex');

describe('signed tree heads, proofs and the checkpoint verifier', () => {
  let test: TestApi;
  let dir: string;
  let jwksFile: string;

  beforeAll(async () => {
    test = await startTestApi();
    dir = await mkdtemp(join(tmpdir(), 'medspa-checkpoint-'));
    const keys = await request(test.api.app).get('/.well-known/jwks.json').expect(200);
    jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(keys.body));
  });

  afterAll(async () => {
    await test.close();
  });

  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerifyCommand(args, test.database.url, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  /** A practice with some events, its compliance officer, and a checkpoint saved to a file. */
  async function practiceWithCheckpoint(events: number): Promise<{ practice: SeededPractice; officer: LoggedIn; file: string; size: number }> {
    const practice = await seedPractice(test);
    const officer = await loginAs(test, practice.slug, 'compliance_officer');
    await appendEvents(test.api.services.dataSource, practice.id, events);
    const { file, size } = await saveCheckpoint(practice, officer, 'checkpoint');
    return { practice, officer, file, size };
  }

  async function saveCheckpoint(practice: SeededPractice, officer: LoggedIn, name: string): Promise<{ file: string; size: number }> {
    const response = await request(test.api.app).get('/v1/audit/checkpoint').set('authorization', bearer(officer)).expect(200);
    const body = response.body as { checkpoint: string; treeHead: { tree_size: number } };
    const file = join(dir, `${practice.slug}-${name}.jws`);
    await writeFile(file, body.checkpoint);
    return { file, size: body.treeHead.tree_size };
  }

  /** What an owner who deletes events would do to hide it: point the chain head at the new last row. */
  async function moveHeadTo(practiceId: string, lastSeq: number): Promise<void> {
    await asOwner(test.database.url, async (client) => {
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      await client.query('DELETE FROM audit_events WHERE practice_id = $1 AND seq > $2', [practiceId, lastSeq]);
      await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
      const rows = await client.query<{ hash: string }>(
        'SELECT hash FROM audit_events WHERE practice_id = $1 ORDER BY seq',
        [practiceId],
      );
      const frontier = MerkleFrontier.empty();
      for (const row of rows.rows) frontier.append(leafHashOfChainHash(row.hash));
      const last = rows.rows[rows.rows.length - 1];
      if (lastSeq === 0 || last === undefined) {
        await client.query('DELETE FROM audit_chain_heads WHERE practice_id = $1', [practiceId]);
      } else {
        await client.query(
          'UPDATE audit_chain_heads SET last_seq = $2, last_hash = $3, tree_frontier = $4 WHERE practice_id = $1',
          [practiceId, lastSeq, last.hash, frontier.encode()],
        );
      }
    });
  }

  it('serves a signed tree head, inclusion and consistency proofs that verify, and cuts exports at one', async () => {
    const { practice, officer, file, size } = await practiceWithCheckpoint(25);
    const jwks = createLocalJWKSet(JSON.parse(await readFile(jwksFile, 'utf8')) as JSONWebKeySet);
    const head = await verifyTreeHead(await readFile(file, 'utf8'), jwks);
    expect(head).toMatchObject({ practice: practice.id, tree_size: size });
    // The checkpoint read is itself audited (it is the tree's last event) and witnessed.
    const witnessed = (await readFile(witnessFile(test.config.AUDIT_WITNESS_DIR, practice.id), 'utf8')).trim().split('\n');
    expect(witnessed[witnessed.length - 1]).toBe(await readFile(file, 'utf8'));

    const inclusion = await request(test.api.app)
      .get('/v1/audit/events/7/inclusion-proof')
      .query({ treeSize: String(size) })
      .set('authorization', bearer(officer))
      .expect(200);
    const proof = inclusion.body as { leafIndex: number; treeSize: number; leafHash: string; rootHash: string; auditPath: string[] };
    expect(proof.rootHash).toBe(head.root_hash);
    expect(verifyInclusion(proof.leafIndex, proof.treeSize, hex(proof.leafHash), proof.auditPath.map(hex), hex(head.root_hash))).toBe(true);

    await appendEvents(test.api.services.dataSource, practice.id, 9);
    const consistency = await request(test.api.app)
      .get('/v1/audit/consistency-proof')
      .query({ from: String(size) })
      .set('authorization', bearer(officer))
      .expect(200);
    const c = consistency.body as { from: number; to: number; fromRootHash: string; toRootHash: string; proof: string[] };
    expect(c.fromRootHash).toBe(head.root_hash);
    expect(verifyConsistency(c.from, c.to, hex(head.root_hash), hex(c.toRootHash), c.proof.map(hex))).toBe(true);

    await request(test.api.app)
      .get('/v1/audit/events/1/inclusion-proof')
      .query({ treeSize: '100000' })
      .set('authorization', bearer(officer))
      .expect(400);
    await request(test.api.app).get('/v1/audit/consistency-proof').query({ from: 'x' }).set('authorization', bearer(officer)).expect(400);

    // A clean, grown log passes against the earlier checkpoint and the whole witness file.
    const clean = await run([
      '--practice', practice.slug, '--checkpoint', file, '--jwks', jwksFile,
      '--witness', witnessFile(test.config.AUDIT_WITNESS_DIR, practice.id),
    ]);
    expect(clean.err).toBe('');
    expect(clean.code).toBe(0);
    expect(clean.out).toContain(`ok      ${practice.slug}  consistent with`);
  });

  it('catches the last rows deleted with the chain head moved back (truncation)', async () => {
    const { practice, file, size } = await practiceWithCheckpoint(20);
    await moveHeadTo(practice.id, size - 4);
    // The chain alone cannot tell: it is a valid, shorter chain.
    expect((await run(['--practice', practice.slug])).code).toBe(0);
    const result = await run(['--practice', practice.slug, '--checkpoint', file, '--jwks', jwksFile]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`TRUNCATED: the log has ${size - 4} events`);
  });

  it('catches a full re-hash from genesis by the database owner', async () => {
    const { practice, file, size } = await practiceWithCheckpoint(20);
    await moveHeadTo(practice.id, 0);
    // The owner writes a whole new, internally valid history, longer than the old one.
    await appendEvents(test.api.services.dataSource, practice.id, size + 5);
    expect((await run(['--practice', practice.slug])).code).toBe(0);
    const result = await run(['--practice', practice.slug, '--checkpoint', file, '--jwks', jwksFile]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`REWRITTEN OR FORKED: at ${size} events the log's Merkle root differs from the checkpoint file`);
  });

  it('catches a fork, and names where it starts from the witness file', async () => {
    const { practice, officer, size: early } = await practiceWithCheckpoint(10);
    await appendEvents(test.api.services.dataSource, practice.id, 10);
    const later = await saveCheckpoint(practice, officer, 'later');
    await moveHeadTo(practice.id, early + 3);
    await appendEvents(test.api.services.dataSource, practice.id, 15);
    expect((await run(['--practice', practice.slug])).code).toBe(0);

    const single = await run(['--practice', practice.slug, '--checkpoint', later.file, '--jwks', jwksFile]);
    expect(single.code).toBe(1);
    expect(single.out).toContain('REWRITTEN OR FORKED');

    const witnessed = await run([
      '--practice', practice.slug, '--jwks', jwksFile, '--witness', witnessFile(test.config.AUDIT_WITNESS_DIR, practice.id),
    ]);
    expect(witnessed.code).toBe(1);
    expect(witnessed.out).toContain(`FORKED: the log agrees with the witness line 1 (${early} events)`);
  });

  it('refuses a checkpoint whose signature does not verify, and usage without --jwks', async () => {
    const { practice, file } = await practiceWithCheckpoint(3);
    const jws = await readFile(file, 'utf8');
    const [header, payload] = jws.split('.');
    const forged = join(dir, 'forged.jws');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { tree_size: number };
    const altered = Buffer.from(JSON.stringify({ ...claims, tree_size: 1 })).toString('base64url');
    await writeFile(forged, `${header ?? ''}.${altered}.${jws.split('.')[2] ?? ''}`);
    const result = await run(['--practice', practice.slug, '--checkpoint', forged, '--jwks', jwksFile]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('BAD CHECKPOINT  checkpoint file: signature does not verify');
    expect((await run(['--checkpoint', file])).code).toBe(2);
  });
});

describe('periodic witness', () => {
  it('appends a signed tree head for each grown tree every AUDIT_CHECKPOINT_INTERVAL_SECONDS', async () => {
    const test = await startTestApi({ AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1' });
    try {
      const practice = await seedPractice(test);
      await appendEvents(test.api.services.dataSource, practice.id, 6);
      const keys = await request(test.api.app).get('/.well-known/jwks.json').expect(200);
      const jwks = createLocalJWKSet(keys.body as JSONWebKeySet);
      const file = witnessFile(test.config.AUDIT_WITNESS_DIR, practice.id);
      const size = async (): Promise<number> => {
        const rows = await asOwner(test.database.url, (client) =>
          client.query<{ n: string }>('SELECT last_seq::text AS n FROM audit_chain_heads WHERE practice_id = $1', [practice.id]),
        );
        return Number(rows.rows[0]?.n);
      };
      const expected = await size();
      let heads: { tree_size: number }[] = [];
      for (let attempt = 0; attempt < 60 && !heads.some((h) => h.tree_size === expected); attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const text = await readFile(file, 'utf8').catch(() => '');
        heads = await Promise.all(
          text
            .split('\n')
            .filter((line) => line.length > 0)
            .map((line) => verifyTreeHead(line, jwks)),
        );
      }
      expect(heads.map((h) => h.tree_size)).toContain(expected);
      // A tree that did not grow is not written again.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.length > 0);
      expect(lines.length).toBe(heads.length);
    } finally {
      await test.close();
    }
  });
});

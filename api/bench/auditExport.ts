/**
 * Audit export throughput against PostgreSQL's own COPY, on one throwaway database:
 *
 * 1. seeds BENCH_ROWS (default 1,000,000) audit events for one practice with COPY FROM,
 *    each with a valid hash chain computed here with the API's chainHash;
 * 2. each round, verifies chain + RFC 9162 tree with the API's verifier (rows/s, ratio to
 *    that round's COPY; goal >= 0.8x);
 * 3. measures `COPY (<the export's SELECT>) TO STDOUT` into a discarding sink (rows/s), then
 *    the real export path (openAuditExportStream: restricted role, RLS, read-only snapshot,
 *    COPY transport, format encoder, SHA-256 of every byte) for CSV, NDJSON and FHIR into
 *    the same kind of sink, printing each one's ratio to COPY and the peak RSS sampled
 *    while it ran. Goals: NDJSON >= 0.7x, FHIR >= 0.6x COPY, with flat memory.
 *
 * BENCH_ROUNDS (default 3) rounds; the median ratio per format is printed.
 * Run: `npx tsc -b && npm run bench:audit-export`. BENCH_DATABASE_URL / TEST_DATABASE_URL
 * pick the server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { auditRowsCopySql } from '../src/audit/auditRowQuery.js';
import type { AuditRowsQuery } from '../src/audit/auditRowQuery.js';
import { GENESIS_HASH, chainHash } from '../src/audit/chainHash.js';
import { verifyPracticeChain } from '../src/audit/chainVerifier.js';
import { copyOut } from '../src/audit/copyOutStream.js';
import { MerkleFrontier, leafHashOfChainHash } from '../src/audit/merkleTree.js';
import { EXPORT_FORMATTERS, EXPORT_FORMATS } from '../src/audit/exportFormats.js';
import { openAuditExportStream, poolOf } from '../src/audit/exportStream.js';
import { TENANT_SETTING } from '../src/db/appRole.js';
import { createDataSource, migrate } from '../src/db/dataSource.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DB_PREFIX = /^[a-z_][a-z0-9_]{0,40}$/.test(process.env.BENCH_DB_PREFIX ?? '') ? (process.env.BENCH_DB_PREFIX ?? '') : 'medspa_bench_';
const SEED_BATCH = 5_000;
const RSS_SAMPLE_MS = 20;

const ACTIONS = ['patient.read', 'appointment.read', 'user.read', 'auth.login', 'consent.read', 'audit.search'];
const ROLES = ['injector', 'front_desk', 'medical_director', 'patient', 'compliance_officer'];
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
];

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** COPY text escaping (the inverse of api/src/audit/copyText.ts) for the seed rows. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c);
}

/** Rows of a plausible month of activity: a few hundred users and patients, varied actions. */
async function seed(client: Client, practiceId: string): Promise<void> {
  const users = Array.from({ length: 300 }, () => randomUUID());
  const patients = Array.from({ length: 2_000 }, () => randomUUID());
  const start = Date.now() - ROWS * 50;
  const sink = client.query(
    copyFrom(
      `COPY audit_events (id, practice_id, seq, occurred_at, actor_user_id, actor_role, action, entity_type,
         entity_id, patient_id, outcome, ip, user_agent, request_id, metadata, prev_hash, hash) FROM STDIN`,
    ),
  );
  let prevHash = GENESIS_HASH;
  let seq = 0;
  const frontier = MerkleFrontier.empty();
  function* batches(): Generator<string> {
    while (seq < ROWS) {
      let out = '';
      const end = Math.min(ROWS, seq + SEED_BATCH);
      while (seq < end) {
        seq += 1;
        const patientId = seq % 3 === 0 ? null : (patients[seq % patients.length] ?? null);
        const action = ACTIONS[seq % ACTIONS.length] ?? 'patient.read';
        const fields = {
          practiceId,
          seq,
          occurredAt: new Date(start + seq * 50),
          actorUserId: users[seq % users.length] ?? null,
          actorRole: ROLES[seq % ROLES.length] ?? null,
          action,
          entityType: patientId === null ? 'user' : 'patient',
          entityId: randomUUID(),
          patientId,
          outcome: seq % 97 === 0 ? 'denied' : 'success',
          ip: `10.${seq % 200}.${(seq >> 8) % 250}.${seq % 251}`,
          userAgent: AGENTS[seq % AGENTS.length] ?? null,
          requestId: randomBytes(8).toString('hex'),
          metadata: action === 'audit.search' ? { resultCount: seq % 100, paged: false } : null,
        };
        const hash = chainHash(prevHash, fields);
        out += `${randomUUID()}\t${practiceId}\t${seq}\t${fields.occurredAt.toISOString()}\t${copyField(fields.actorUserId)}\t`;
        out += `${copyField(fields.actorRole)}\t${action}\t${fields.entityType}\t${fields.entityId}\t${copyField(patientId)}\t`;
        out += `${fields.outcome}\t${fields.ip}\t${copyField(fields.userAgent)}\t${fields.requestId}\t`;
        out += `${fields.metadata === null ? '\\N' : copyField(JSON.stringify(fields.metadata))}\t${prevHash}\t${hash}\n`;
        prevHash = hash;
        frontier.append(leafHashOfChainHash(hash));
      }
      yield out;
    }
  }
  await pipeline(Readable.from(batches()), sink);
  await client.query(
    'INSERT INTO audit_chain_heads (practice_id, last_seq, last_hash, tree_frontier) VALUES ($1, $2, $3, $4)',
    [practiceId, ROWS, prevHash, frontier.encode()],
  );
}

/** Samples RSS while `work` runs; reports rows/s and the peak. */
async function measure(label: string, rows: () => number, work: () => Promise<void>): Promise<{ rate: number; peakRss: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  const started = process.hrtime.bigint();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  peak = Math.max(peak, process.memoryUsage.rss());
  const rate = rows() / seconds;
  console.log(
    `${label.padEnd(26)} ${String(rows()).padStart(9)} rows  ${seconds.toFixed(2).padStart(6)} s  ` +
      `${Math.round(rate).toLocaleString('en-US').padStart(10)} rows/s  RSS ${mb(before)} -> peak ${mb(peak)}`,
  );
  return { rate, peakRss: peak };
}

class Discard extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

async function main(): Promise<void> {
  // BENCH_DB_PREFIX: lets concurrent runs on one server pick recognisable scratch names.
  const name = `${DB_PREFIX}${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const owner = new Client({ connectionString: dbUrl });
  const app = createDataSource({ url: dbUrl, purpose: 'app', poolSize: 2 });
  try {
    await migrate(dbUrl);
    await owner.connect();
    const practice = await owner.query<{ id: string }>(
      `INSERT INTO practices (slug, name) VALUES ('bench-practice', 'Bench Practice') RETURNING id`,
    );
    const practiceId = practice.rows[0]?.id ?? '';
    console.log(`audit export benchmark: ${ROWS.toLocaleString('en-US')} events, node ${process.version}, database ${name}`);

    await measure('seed (COPY FROM + chain)', () => ROWS, () => seed(owner, practiceId));
    await owner.query('VACUUM ANALYZE audit_events');

    await app.initialize();
    const pool = poolOf(app);
    let verified = 0;
    /** The verifier as audit:verify runs it: chain hashes recomputed, RFC 9162 tree rebuilt, head and frontier checked. */
    const verifyOnce = async (): Promise<void> => {
      const client = await pool.connect();
      try {
        const result = await verifyPracticeChain(client, practiceId);
        if (!result.ok) throw new Error(`seeded chain does not verify: ${JSON.stringify(result.firstBroken)}`);
        verified = result.checkedCount;
      } finally {
        client.release();
      }
    };
    const query: AuditRowsQuery = { filters: {}, throughSeq: String(ROWS), timePrecision: 'ms' };
    // Same SELECT the export runs, as the same restricted role under the same RLS policy.
    const copyBaseline = async (): Promise<number> => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await client.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, practiceId]);
        // The same COPY client the exporter and verifier use (copyOutStream.ts).
        const stream = client.query(copyOut(auditRowsCopySql(query)));
        await pipeline(stream, new Discard());
        await client.query('COMMIT');
        return stream.rowCount;
      } finally {
        client.release();
      }
    };
    await copyBaseline(); // warm the cache
    // Rounds alternate COPY and the three exports so load from other processes on a shared
    // machine hits them alike; each export is compared with its own round's COPY and the
    // median ratio is reported.
    const ratios = new Map<string, number[]>(EXPORT_FORMATS.map((format) => [format, []]));
    const verifyRatios: number[] = [];
    const peaks = new Map<string, number>();
    let streamed = new Map<string, number>();
    for (let round = 1; round <= ROUNDS; round += 1) {
      console.log(`-- round ${round}/${ROUNDS}`);
      let copyRows = 0;
      const baseline = await measure('COPY TO STDOUT (baseline)', () => copyRows, async () => {
        copyRows = await copyBaseline();
      });
      const verify = await measure('verify chain + tree', () => verified, verifyOnce);
      verifyRatios.push(verify.rate / baseline.rate);
      streamed = new Map();
      for (const format of EXPORT_FORMATS) {
        let exported = 0;
        const run = await measure(`export ${format}`, () => exported, async () => {
          const running = await openAuditExportStream(pool, practiceId, query, EXPORT_FORMATTERS[format], {
            exportId: randomUUID(),
            practiceId,
            startedAt: new Date().toISOString(),
          });
          const sink = new Discard();
          await pipeline(running.stream, sink);
          const outcome = await running.outcome;
          if (!outcome.completed) throw new Error('export did not complete');
          exported = outcome.digest.rowCount;
          streamed.set(format, sink.bytes);
        });
        ratios.get(format)?.push(run.rate / baseline.rate);
        peaks.set(format, Math.max(peaks.get(format) ?? 0, run.peakRss));
      }
    }
    const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
    console.log(
      `\nverify chain + tree: ${median(verifyRatios).toFixed(2)}x COPY (goal >= 0.80x; rounds: ${verifyRatios.map((r) => r.toFixed(2)).join(', ')})`,
    );
    console.log(`export rows/s relative to COPY, median of ${ROUNDS} rounds (goals: NDJSON >= 0.70x, FHIR >= 0.60x):`);
    for (const format of EXPORT_FORMATS) {
      const sorted = [...(ratios.get(format) ?? [])].sort((x, y) => x - y);
      console.log(
        `  ${format.padEnd(7)} ${median(sorted).toFixed(2)}x COPY  (rounds: ${sorted.map((r) => r.toFixed(2)).join(', ')}; ` +
          `${mb(streamed.get(format) ?? 0)} streamed; peak RSS ${mb(peaks.get(format) ?? 0)})`,
      );
    }
  } finally {
    if (app.isInitialized) await app.destroy();
    await owner.end().catch(() => undefined);
    if (process.env.BENCH_KEEP_DATABASE === '1') {
      console.log(`kept database ${name} (BENCH_KEEP_DATABASE=1)`);
    } else {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

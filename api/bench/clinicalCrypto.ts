/**
 * Costs of the clinical-data envelope encryption, printed as figures (no assertions):
 * AES-256-GCM seal/open of a 4 KB note and a 4 MB photo, RFC 3394 wrap/unwrap of data
 * keys, and a KEK rotation over BENCH_KEYS data keys in a scratch database (the real
 * rewrapDataKeys path: tenant transactions, row locks, audit per batch).
 *
 *   npx tsc -b api && node api/dist/bench/clinicalCrypto.js
 *
 * Env: BENCH_DATABASE_URL (owner URL of a server to create a scratch database on; default
 * postgres://postgres@127.0.0.1:5432/postgres), BENCH_KEYS (default 20000).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { generateDataKey, open, seal } from '../src/crypto/envelope.js';
import { KeyRing } from '../src/crypto/keyRing.js';
import { rewrapDataKeys } from '../src/crypto/keyRotation.js';
import { createDataSource } from '../src/db/dataSource.js';
import { asOwner, createTestDatabase } from '../test/testDatabase.js';

function timeLoop(label: string, iterations: number, bytesEach: number, work: () => void): void {
  work();
  const started = performance.now();
  for (let i = 0; i < iterations; i += 1) work();
  const seconds = (performance.now() - started) / 1000;
  const perSecond = iterations / seconds;
  const throughput = bytesEach > 0 ? `, ${((perSecond * bytesEach) / 1024 / 1024).toFixed(0)} MB/s` : '';
  console.log(`${label.padEnd(34)} ${perSecond.toFixed(0).padStart(9)} ops/s${throughput}`);
}

function cpuFigures(): void {
  const key = generateDataKey();
  const binding = { purpose: 'bench', practiceId: randomUUID(), recordId: randomUUID(), version: 1 };
  const note = randomBytes(4 * 1024);
  const photo = randomBytes(4 * 1024 * 1024);
  const sealedNote = seal(key, note, binding);
  const sealedPhoto = seal(key, photo, binding);
  timeLoop('seal 4 KB note (AES-256-GCM)', 20_000, note.length, () => seal(key, note, binding));
  timeLoop('open 4 KB note', 20_000, note.length, () => open(key, sealedNote, binding));
  timeLoop('seal 4 MB photo', 50, photo.length, () => seal(key, photo, binding));
  timeLoop('open 4 MB photo', 50, photo.length, () => open(key, sealedPhoto, binding));
  const ring = new KeyRing(new Map([['old', randomBytes(32)], ['new', randomBytes(32)]]), 'old');
  const wrapped = ring.wrap(key);
  timeLoop('wrap data key (RFC 3394)', 50_000, 0, () => ring.wrap(key));
  timeLoop('unwrap data key', 50_000, 0, () => ring.unwrap(wrapped));
}

async function rotationFigures(keys: number): Promise<void> {
  process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = await createTestDatabase();
  try {
    const oldKek = randomBytes(32);
    const newKek = randomBytes(32);
    const oldRing = new KeyRing(new Map([['old', oldKek]]), 'old');
    const practiceId = await asOwner(database.url, async (client) => {
      const rows = await client.query<{ id: string }>(
        `INSERT INTO practices (slug, name) VALUES ($1, 'Bench practice') RETURNING id`,
        [`bench-${randomBytes(4).toString('hex')}`],
      );
      const id = rows.rows[0]?.id ?? '';
      // Bulk-load wrapped keys with one statement per 1000 rows.
      for (let offset = 0; offset < keys; offset += 1000) {
        const batch = Array.from({ length: Math.min(1000, keys - offset) }, () => oldRing.wrap(generateDataKey()).wrapped);
        await client.query(
          `INSERT INTO data_keys (practice_id, kek_id, wrapped_key) SELECT $1, 'old', unnest($2::bytea[])`,
          [id, batch],
        );
      }
      return id;
    });
    const ring = new KeyRing(new Map([['old', oldKek], ['new', newKek]]), 'new');
    const dataSource = createDataSource({ url: database.url, purpose: 'app', poolSize: 2 });
    await dataSource.initialize();
    try {
      const started = performance.now();
      const report = await rewrapDataKeys(dataSource, ring, {
        context: { requestId: randomUUID(), ip: null, userAgent: 'bench', auth: null },
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `rotate ${report.rewrapped} data keys in ${seconds.toFixed(2)} s: ${(report.rewrapped / seconds).toFixed(0)} keys/s ` +
          `(remaining ${report.remaining}, practice ${practiceId.slice(0, 8)})`,
      );
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.drop();
  }
}

async function main(): Promise<void> {
  cpuFigures();
  await rotationFigures(Number(process.env.BENCH_KEYS ?? 20_000));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

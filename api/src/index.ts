import { once } from 'node:events';
import { initApp, shutdownApp } from './app.js';
import { loadConfig } from './config.js';
import type { Config } from './config.js';
import { createDataSource, migrate } from './db/dataSource.js';
import { EMBEDDED_RUNTIME_ROLE, startEmbeddedPostgres } from './db/embeddedPostgres.js';
import type { EmbeddedPostgresHandle } from './db/embeddedPostgres.js';
import { provisionRuntimeRole, runtimeUrlFor } from './db/runtimeRole.js';
import { createLogger } from './logger.js';
import { appLink } from './modules/identity/accountEmails.js';
import { issueSetupTokenIfUnconfigured } from './modules/identity/setupService.js';

/** Time allowed for in-flight requests to finish before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * First run (issue 8): with no practice yet, print a one-time setup link on the console,
 * like a notebook server's token URL. Only the token's digest is stored; each start with
 * no practice replaces the previous link.
 */
/**
 * Prints the one-time setup link while no practice exists. Issuing it is provisioning, done
 * with the owner's connection (MIGRATION_DATABASE_URL): the runtime login cannot write setup
 * tokens. An API started without it leaves the link to the one that migrates.
 */
async function announceSetupLink(ownerUrl: string, config: Config): Promise<void> {
  const owner = createDataSource({ url: ownerUrl, purpose: 'owner', poolSize: 1 });
  await owner.initialize();
  try {
    const token = await issueSetupTokenIfUnconfigured(owner, config.SETUP_TOKEN_TTL_SECONDS);
    if (token !== null) {
      const hours = Math.round(config.SETUP_TOKEN_TTL_SECONDS / 3600);
      process.stdout.write(
        `\nNo practice is set up yet. Open this link to create it and its first admin (works once, for ${String(hours)} h):\n\n` +
          `    ${appLink(config.PUBLIC_APP_URL, '/setup', token)}\n\n`,
      );
    }
  } finally {
    await owner.destroy();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.DATABASE_URL;
  let migrationUrl = config.MIGRATION_DATABASE_URL;
  let provision: (() => Promise<void>) | undefined;
  if (databaseUrl === undefined) {
    const { EMBEDDED_PG_PASSWORD: ownerPassword, EMBEDDED_PG_RUNTIME_PASSWORD: runtimePassword } = config;
    if (ownerPassword === undefined || runtimePassword === undefined) {
      throw new Error(
        'DATABASE_URL is unset and EMBEDDED_PG_PASSWORD / EMBEDDED_PG_RUNTIME_PASSWORD are missing for the embedded database (npm start generates them)',
      );
    }
    const started = await startEmbeddedPostgres({
      dataDir: config.EMBEDDED_PG_DIR,
      port: config.EMBEDDED_PG_PORT,
      password: ownerPassword,
    });
    embedded = started;
    logger.info({ port: config.EMBEDDED_PG_PORT }, 'embedded PostgreSQL started');
    // Same split as a deployment: the owner migrates and provisions, the API logs in as a
    // role that owns nothing (api/src/db/runtimeRole.ts).
    migrationUrl = started.url;
    provision = () => provisionRuntimeRole(started.url, EMBEDDED_RUNTIME_ROLE, runtimePassword);
    databaseUrl = runtimeUrlFor(started.url, EMBEDDED_RUNTIME_ROLE, runtimePassword);
  }

  if (migrationUrl !== undefined) {
    const { applied } = await migrate(migrationUrl, provision);
    if (applied.length > 0) logger.info({ applied: applied.length }, 'migrations applied');
  }
  if (migrationUrl !== undefined) await announceSetupLink(migrationUrl, config);
  const api = await initApp(config, { databaseUrl, logger });
  const server = api.app.listen(config.PORT, config.HOST);
  api.live.attach(server);
  await once(server, 'listening');
  logger.info({ host: config.HOST, port: config.PORT }, 'api listening');

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    api.services.lifecycle.shuttingDown = true;
    setTimeout(() => {
      logger.error('graceful shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    const closed = new Promise<void>((resolve) => server.close(() => { resolve(); }));
    // Live WebSockets never go idle: drop them (clients reconnect elsewhere) or close() waits forever.
    await api.live.close();
    server.closeIdleConnections();
    await closed;
    await shutdownApp(api);
    await embedded?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void stop(signal));
  }
}

main().catch((error: unknown) => {
  // Startup failures are configuration or infrastructure problems: print them plainly.
  process.stderr.write(`api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

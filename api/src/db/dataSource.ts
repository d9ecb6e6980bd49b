import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_DB_ROLE } from './appRole.js';
import { MIGRATIONS } from './migrations/index.js';

export type ConnectionPurpose = 'app' | 'owner';

export interface DataSourceOptions {
  url: string;
  purpose: ConnectionPurpose;
  poolSize?: number;
}

/**
 * Builds a TypeORM DataSource. 'owner' connections run migrations and maintenance;
 * 'app' connections start every session as the restricted role so row-level security
 * holds even where application code forgets a tenant filter. Schema sync is never used.
 */
export function createDataSource({ url, purpose, poolSize = 10 }: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    logging: false,
    extra: {
      max: poolSize,
      // Startup option: the session runs as the restricted role from its first statement.
      ...(purpose === 'app' ? { options: `-c role=${APP_DB_ROLE}` } : {}),
      application_name: `medspa-api-${purpose}`,
    },
  });
}

/**
 * Key of the session-level advisory lock every migrator takes (any 64-bit constant works;
 * this one spells "medspamg"). Advisory locks are per database, which is the scope that matters.
 */
export const MIGRATION_LOCK_KEY = 0x6d65647370616d67n;

export interface MigrateResult {
  /** Names of the migrations this call applied (empty when another starter got there first). */
  applied: string[];
}

/**
 * Applies pending migrations with an owner connection, then closes it. Holds a PostgreSQL
 * advisory lock for the whole run, so several instances starting at once on an empty
 * database queue up: the first applies everything, the others then find nothing pending.
 * `beforeUnlock` runs under the same lock (runtime-role provisioning).
 */
export async function migrate(url: string, beforeUnlock?: () => Promise<void>): Promise<MigrateResult> {
  const lock = new Client({ connectionString: url, application_name: 'medspa-migrate-lock' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const owner = createDataSource({ url, purpose: 'owner', poolSize: 1 });
    await owner.initialize();
    try {
      const applied = await owner.runMigrations({ transaction: 'each' });
      await beforeUnlock?.();
      return { applied: applied.map((migration) => migration.name) };
    } finally {
      await owner.destroy();
    }
  } finally {
    // Closing the session releases the lock even if the unlock itself fails.
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    await lock.end();
  }
}

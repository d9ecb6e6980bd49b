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

/** Applies pending migrations with an owner connection, then closes it. */
export async function migrate(url: string): Promise<void> {
  const owner = createDataSource({ url, purpose: 'owner', poolSize: 1 });
  await owner.initialize();
  try {
    await owner.runMigrations({ transaction: 'each' });
  } finally {
    await owner.destroy();
  }
}

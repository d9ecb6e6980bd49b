import type { DataSource, EntityManager } from 'typeorm';
import { TENANT_SETTING } from './appRole.js';

/**
 * Runs `work` in one transaction scoped to a practice: row-level security policies read
 * the tenant from a transaction-local setting, so it cannot leak to the next user of the
 * pooled connection. Audit events written with this manager commit or roll back together
 * with the access they record.
 */
export async function withTenant<T>(
  dataSource: DataSource,
  practiceId: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    await manager.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, practiceId]);
    return work(manager);
  });
}

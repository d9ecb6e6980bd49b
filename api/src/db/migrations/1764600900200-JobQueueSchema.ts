import PgBoss from 'pg-boss';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_DB_ROLE } from '../appRole.js';

/** The job queue's schema and its one queue (api/src/modules/notifications/appointmentNotices.ts). */
const JOBS_SCHEMA = 'pgboss';
const QUEUES: Record<string, object> = {
  'appointment-email': { policy: 'short', retryLimit: 8, retryDelay: 30, retryBackoff: true },
};

/**
 * Installs pg-boss's schema as the owner, so the API's runtime login never needs CREATE
 * rights (docs/access-policy.md, least privilege): pg-boss runs with `migrate: false` and
 * only reads and writes rows. Queues are partitions created by DDL, so they are created
 * here too. pg-boss's plan wraps itself in BEGIN/COMMIT; inside this migration's own
 * transaction those lines are dropped (its advisory lock and timeouts stay).
 */
export class JobQueueSchema1764600900200 implements MigrationInterface {
  name = 'JobQueueSchema1764600900200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const plan = PgBoss.getConstructionPlans(JOBS_SCHEMA)
      .split('\n')
      .filter((line) => !/^\s*(BEGIN|COMMIT);\s*$/.test(line))
      .join('\n');
    await queryRunner.query(plan);
    for (const [name, options] of Object.entries(QUEUES)) {
      await queryRunner.query(`SELECT ${JOBS_SCHEMA}.create_queue($1, $2)`, [name, JSON.stringify(options)]);
    }
    await queryRunner.query(`GRANT USAGE ON SCHEMA ${JOBS_SCHEMA} TO ${APP_DB_ROLE}`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${JOBS_SCHEMA} TO ${APP_DB_ROLE}`);
    await queryRunner.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${JOBS_SCHEMA} TO ${APP_DB_ROLE}`);
    await queryRunner.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${JOBS_SCHEMA} TO ${APP_DB_ROLE}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA ${JOBS_SCHEMA} CASCADE`);
  }
}

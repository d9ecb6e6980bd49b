import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The API's login role must not be able to run DDL. PostgreSQL 15 stopped granting CREATE on
 * the public schema to PUBLIC, but databases created on older servers (or restored from their
 * dumps) still have it, and every role may create temporary tables by default. Both are
 * revoked from PUBLIC here; only the owner (who runs migrations) keeps them.
 */
export class RuntimeLeastPrivilege1764600300000 implements MigrationInterface {
  name = 'RuntimeLeastPrivilege1764600300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
    await queryRunner.query(`
      DO $$ BEGIN
        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$ BEGIN
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
      END $$`);
  }
}

import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { APP_DB_ROLE } from './appRole.js';

/**
 * Login role names are interpolated into DDL (CREATE ROLE cannot take bind parameters), so
 * they are restricted to plain lower-case identifiers and additionally quoted.
 */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Throws unless `name` is a safe PostgreSQL role name. */
export function assertRoleName(name: string): void {
  if (!ROLE_NAME.test(name)) {
    throw new Error('runtime role names are 1-63 of [a-z0-9_], starting with a letter or underscore');
  }
  if (name === APP_DB_ROLE) {
    throw new Error(`${APP_DB_ROLE} is the restricted group role; the login role needs its own name`);
  }
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Errors two provisioners racing on the same cluster-wide catalog rows can see. */
const RACE_CODES = new Set(['23505', '42710', 'XX000', '40001', '40P01']);

/**
 * Creates (or updates) the LOGIN role the API connects as: no superuser, no BYPASSRLS, no
 * CREATEDB/CREATEROLE, owns nothing, and is a member of the restricted group role so the
 * grants and row-level security policies the migrations set up apply to it. Idempotent:
 * running it again only resets the password to the one given. Run as the owner (it needs
 * CREATEROLE and ADMIN on `medspa_app`, which the role that ran the migrations has).
 */
export async function provisionRuntimeRole(ownerUrl: string, name: string, password: string): Promise<void> {
  assertRoleName(name);
  if (password.length < 16) throw new Error('the runtime role password must be at least 16 characters');
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
        const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
        await client.query(
          `${verb} ROLE "${name}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT ` +
            `PASSWORD ${quoteLiteral(password)}`,
        );
        await client.query(`GRANT ${APP_DB_ROLE} TO "${name}"`);
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // Roles are cluster-wide: another database's provisioner may create the same rows.
        if (attempt >= 5 || typeof code !== 'string' || !RACE_CODES.has(code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  } finally {
    await client.end();
  }
}

/** The owner's connection string with the runtime role's credentials in place of the owner's. */
export function runtimeUrlFor(ownerUrl: string, name: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = encodeURIComponent(name);
  url.password = encodeURIComponent(password);
  return url.toString();
}

interface PrivilegeRow {
  login: string;
  powerful: string[] | null;
  owned: string[] | null;
}

/**
 * Refuses a database login that could step around row-level security or the append-only
 * audit trigger: a superuser, a BYPASSRLS role, or one that owns (or is a member of a role
 * owning) any table, view or sequence outside the system schemas. Checked against the
 * session user, because `SET ROLE` / `RESET ROLE` can always return to it.
 */
export async function assertLeastPrivilege(dataSource: DataSource): Promise<void> {
  const rows: PrivilegeRow[] = await dataSource.query(`
    SELECT session_user AS login,
      (SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r
        WHERE (r.rolsuper OR r.rolbypassrls) AND pg_has_role(session_user, r.oid, 'MEMBER')) AS powerful,
      (SELECT array_agg(DISTINCT n.nspname || '.' || c.relname) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
          AND n.nspname NOT LIKE 'pg_temp%'
          AND pg_has_role(session_user, c.relowner, 'MEMBER')) AS owned`);
  const row = rows[0];
  if (row === undefined) throw new Error('could not read the database role');
  const problems: string[] = [];
  if (row.powerful !== null && row.powerful.length > 0) {
    problems.push(`it is or can become a superuser or BYPASSRLS role (${row.powerful.join(', ')})`);
  }
  if (row.owned !== null && row.owned.length > 0) {
    problems.push(`it owns ${row.owned.length} table(s), e.g. ${row.owned.slice(0, 3).join(', ')}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `refusing to start: DATABASE_URL logs in as "${row.login}", and ${problems.join('; ')}. ` +
        'Point DATABASE_URL at the runtime login role (npm run migrate -w api -- --provision-runtime-role <name>) ' +
        'and give the owner only to MIGRATION_DATABASE_URL.',
    );
  }
}

/**
 * The runtime database role. It is NOLOGIN, not a superuser and has no BYPASSRLS, so
 * row-level security applies to every query the API makes. Connections log in as the
 * owner (who runs migrations) and switch to this role at session start.
 */
export const APP_DB_ROLE = 'medspa_app';

/** GUC holding the current tenant for row-level security policies. */
export const TENANT_SETTING = 'app.practice_id';

/** SQL expression policies compare `practice_id` with: NULL when no tenant is set. */
export const CURRENT_TENANT_SQL = `NULLIF(current_setting('${TENANT_SETTING}', true), '')::uuid`;

import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/**
 * Environment contract of the API. Secrets have no defaults: a missing secret stops the
 * process at start (house style rule 3). `scripts/start.mjs` generates local development
 * secrets into .data/ so the one-command run works without ever shipping a default.
 */
const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset means: start embedded PostgreSQL under EMBEDDED_PG_DIR. */
  DATABASE_URL: z.url().optional(),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/pg'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  EMBEDDED_PG_PASSWORD: z.string().min(16).optional(),
  /** Private ES256 JWK (JSON, with "kid") used to sign access and room tokens. */
  AUTH_SIGNING_JWK: z.string().min(1),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(900).default(300),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt.default(12 * 3600),
  /** Automatic logoff (HIPAA 164.312(a)(2)(iii)): a session idle this long is ended. */
  IDLE_TIMEOUT_SECONDS: positiveInt.default(15 * 60),
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  LOGIN_LOCKOUT_SECONDS: positiveInt.default(15 * 60),
  TRUST_PROXY: z.stringbool().default(false),
});

export type Config = z.infer<typeof configSchema>;

let loaded: Config | undefined;

/** Parses and validates the environment once. Throws with every problem listed (no values). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  loaded = result.data;
  return loaded;
}

/** The configuration loaded at start; throws if loadConfig() has not run. */
export function getConfig(): Config {
  if (!loaded) {
    throw new Error('Configuration not loaded: call loadConfig() first');
  }
  return loaded;
}

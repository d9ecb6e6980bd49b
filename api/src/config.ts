import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/** Key ids are stored beside every wrapped data key, so they stay short and plain. */
const kekIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'key ids are 1-64 of [A-Za-z0-9._-]');

/** AES-256 (FIPS 197) keys are exactly 32 bytes. Issue messages never quote the value. */
const dataKeksSchema = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of key id -> base64 key' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .record(
        kekIdSchema,
        z.base64().refine((key) => Buffer.from(key, 'base64').length === 32, 'each key must be 32 bytes (base64)'),
      )
      .refine((keks) => Object.keys(keks).length > 0, 'at least one key is required'),
  );

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
  /** Requests per minute per client IP, all routes (SPEC "rate limits"). */
  RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
  /** Requests per minute per client IP on /v1/auth/* (slows credential stuffing). */
  AUTH_RATE_LIMIT_PER_MINUTE: positiveInt.default(30),
  /** Bearer token for /metrics; without it only loopback clients may scrape. */
  METRICS_TOKEN: z.string().min(32).optional(),
  /**
   * argon2id cost profile. `owasp` is the only one allowed in production; `test_minimum`
   * exists so test suites that create many users stay fast (see api/src/modules/identity/passwords.ts).
   */
  PASSWORD_HASH_PROFILE: z.enum(['owasp', 'test_minimum']).default('owasp'),
  /**
   * Key-encryption keys for clinical data (notes, photos): a JSON object of key id ->
   * base64 256-bit key. Old keys stay listed until `npm run rotate-data-keys -w api` has
   * re-wrapped every data key under the active one (see api/src/crypto/keyRing.ts).
   */
  DATA_KEKS: dataKeksSchema,
  /** Id (a key of DATA_KEKS) of the key that wraps new data keys. */
  DATA_ACTIVE_KEK_ID: kekIdSchema,
  /** Lifetime of SFU room tokens: long enough to connect, short enough to be useless if leaked. */
  ROOM_TOKEN_TTL_SECONDS: positiveInt.max(600).default(120),
  /** Public signaling URL of the SFU, returned with room tokens so clients know where to join. */
  SFU_PUBLIC_URL: z.url().optional(),
  /**
   * Public ES256 JWK (JSON) of the SFU's service key: the SFU signs its calls to
   * /internal/sfu/* with the private half. Unset = those endpoints refuse every call.
   */
  SFU_SERVICE_PUBLIC_JWK: z.string().min(1).optional(),
  /** coturn `static-auth-secret` (use-auth-secret mode). Unset = no TURN credentials issued. */
  TURN_SECRET: z.string().min(32).optional(),
  /** TURN/STUN URIs handed to clients with credentials, comma separated (RFC 7065 syntax). */
  TURN_URIS: z.string().min(1).optional(),
  /** Validity of issued TURN credentials. */
  TURN_CREDENTIAL_TTL_SECONDS: positiveInt.max(86_400).default(3600),
  /** Outgoing mail server (smtp:// or smtps://). Required in production; unset = .eml files in MAIL_OUTBOX_DIR. */
  SMTP_URL: z.url().optional(),
  /** From address of every email the API sends. */
  MAIL_FROM: z.string().min(3).default('Medspa Telehealth <no-reply@localhost>'),
  MAIL_OUTBOX_DIR: z.string().min(1).default('.data/outbox'),
  /** Where people open the app: links in emails (invites, resets, join links) start with it. */
  PUBLIC_APP_URL: z.url().default('http://127.0.0.1:8080'),
  /** Lifetime of the first-run setup link printed at start while no practice exists. */
  SETUP_TOKEN_TTL_SECONDS: positiveInt.max(7 * 86_400).default(24 * 3600),
}).refine((config) => config.NODE_ENV !== 'production' || config.PASSWORD_HASH_PROFILE === 'owasp', {
  message: 'PASSWORD_HASH_PROFILE=test_minimum is refused in production',
  path: ['PASSWORD_HASH_PROFILE'],
}).refine((config) => config.NODE_ENV !== 'production' || config.SMTP_URL !== undefined, {
  message: 'SMTP_URL is required in production',
  path: ['SMTP_URL'],
}).refine((config) => Object.hasOwn(config.DATA_KEKS, config.DATA_ACTIVE_KEK_ID), {
  message: 'DATA_ACTIVE_KEK_ID must name a key listed in DATA_KEKS',
  path: ['DATA_ACTIVE_KEK_ID'],
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

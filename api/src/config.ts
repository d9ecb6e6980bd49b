import { isIP } from 'node:net';
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

/** One `address/prefix` (or a bare address) of a trusted proxy network. */
function isCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which reverse proxies may set X-Forwarded-For: a hop count (0 = none, the client is the
 * TCP peer; 1 = one proxy in front, e.g. the client server or HAProxy) or a comma-separated
 * list of proxy networks in CIDR notation (the rightmost address outside them is the client).
 * Not a boolean: "trust everything" lets any caller choose the address audits record.
 */
export const trustProxySchema = z
  .string()
  .trim()
  .transform((text, ctx): number | string[] => {
    if (/^\d{1,2}$/.test(text)) return Number(text);
    const entries = text.split(',').map((entry) => entry.trim());
    if (entries.length > 0 && entries.every(isCidr)) return entries;
    ctx.addIssue({ code: 'custom', message: 'must be a hop count (0-99) or a comma-separated CIDR list, e.g. 10.0.0.0/8,127.0.0.1/32' });
    return z.NEVER;
  });

/** JSON array of public JWKs (each with "kid"): earlier signing keys that still verify. */
const previousJwksSchema = z
  .string()
  .transform((text, ctx): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of public JWKs' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(
      z
        .looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().min(1), y: z.string().min(1), kid: kekIdSchema })
        // A private key has no business in a list that is published.
        .refine((jwk) => !('d' in jwk), 'previous keys are public JWKs (no "d")'),
    ),
  );

/**
 * Environment contract of the API. Secrets have no defaults: a missing secret stops the
 * process at start (house rule 3, docs/house-rules.md). `scripts/start.mjs` generates local development
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
  /** Password of the embedded database's runtime login role (scripts/start.mjs generates it). */
  EMBEDDED_PG_RUNTIME_PASSWORD: z.string().min(16).optional(),
  /**
   * Owner connection string. When set, a starting API applies pending migrations with it
   * (advisory-locked, like `npm run migrate -w api`); unset, it only runs on DATABASE_URL.
   */
  MIGRATION_DATABASE_URL: z.url().optional(),
  /** Private ES256 JWK (JSON, with "kid") used to sign access and room tokens. */
  AUTH_SIGNING_JWK: z.string().min(1),
  /**
   * Public JWKs of earlier signing keys, still published and accepted (rotation without a
   * 401 storm; docs/operations.md). Drop a key once its tokens and manifests may expire.
   */
  AUTH_PREVIOUS_JWKS: previousJwksSchema.default([]),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(900).default(300),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt.default(12 * 3600),
  /** Automatic logoff (HIPAA 164.312(a)(2)(iii)): a session idle this long is ended. */
  IDLE_TIMEOUT_SECONDS: positiveInt.default(15 * 60),
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  LOGIN_LOCKOUT_SECONDS: positiveInt.default(15 * 60),
  TRUST_PROXY: trustProxySchema.default(0),
  /** Requests per minute per client IP, all routes (docs/product.md "Platform": rate limits per client address). */
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
  /**
   * Redis shared by every API instance and SFU node (placement, rate limits, export slots).
   * Unset = one process coordinates in memory (the single-node default).
   */
  REDIS_URL: z.url().optional(),
  /**
   * How often the live channel (schedule's "patient waiting" nudges) checks each open
   * connection's session again: a sign-out, idle logoff or disabled account ends the
   * connection within this long. The access token's expiry ends it at once.
   */
  LIVE_SESSION_CHECK_SECONDS: positiveInt.max(300).default(30),
  /** Outgoing mail server (smtp:// or smtps://). Required in production; unset = .eml files in MAIL_OUTBOX_DIR. */
  SMTP_URL: z.url().optional(),
  /** From address of every email the API sends. */
  MAIL_FROM: z.string().min(3).default('Medspa Telehealth <no-reply@localhost>'),
  MAIL_OUTBOX_DIR: z.string().min(1).default('.data/outbox'),
  /** Where people open the app: links in emails (invites, resets, join links) start with it. */
  PUBLIC_APP_URL: z.url().default('http://127.0.0.1:8080'),
  /** Witness of the audit trees outside the database: one append-only file of signed tree heads per practice. */
  AUDIT_WITNESS_DIR: z.string().min(1).default('.data/witness'),
  /** How often each grown audit tree's signed head is appended to the witness; 0 turns the timer off. */
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(3600),
  /**
   * Connection for the pg-boss job queue (appointment emails and reminders); its schema is
   * installed by the migrations, so the runtime login suffices. Unset = DATABASE_URL.
   */
  JOBS_DATABASE_URL: z.url().optional(),
  /** How often an idle worker looks for due emails (pg-boss allows 0.5 s and up). */
  JOBS_POLLING_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
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

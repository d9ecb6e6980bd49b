import os from 'node:os';
import { sfuNodeIdSchema } from '@medspa/shared-types';
import { z } from 'zod';
import { DEFAULT_MEDIA_LIMITS } from './media/mediaLimits.js';
import type { MediaLimits } from './media/mediaLimits.js';

const port = z.coerce.number().int().min(1).max(65535);

/** A JSON text parsed, so that a nested schema can validate its structure. Never echoes the value. */
const jsonText = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
    return z.NEVER;
  }
});

const ecP256PrivateJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1),
});

const ecP256PublicJwk = ecP256PrivateJwk.omit({ d: true }).extend({ d: z.undefined() });

/**
 * Environment contract of the SFU, parsed once at start (house rule 3, docs/house-rules.md). Secrets have no
 * defaults: SFU_SERVICE_JWK (the key the SFU signs its calls to the API with) must be given.
 */
const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SFU_HOST: z.string().min(1).default('127.0.0.1'),
    SFU_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    /** mediasoup workers (one process each); default one per CPU core. */
    SFU_WORKERS: z.coerce.number().int().min(1).max(256).default(os.availableParallelism()),
    /** UDP/TCP port range the workers bind media sockets in (open it in the firewall). */
    SFU_RTC_MIN_PORT: port.default(40000),
    SFU_RTC_MAX_PORT: port.default(49999),
    /** Local address media sockets listen on. */
    SFU_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
    /** Public address/hostname put in ICE candidates when behind NAT (e.g. the host's public IP). */
    SFU_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
    /** Base URL of the API: room-token keys (JWKS), admission checks and audit events. */
    SFU_API_URL: z.url(),
    /**
     * Optional static JWK Set (JSON) verifying room tokens instead of fetching
     * `${SFU_API_URL}/.well-known/jwks.json` (air-gapped deployments, tests).
     */
    SFU_ROOM_TOKEN_JWKS: jsonText.pipe(z.object({ keys: z.array(ecP256PublicJwk).min(1) })).optional(),
    /** Private ES256 JWK (with kid) the SFU signs its service tokens to the API with. */
    SFU_SERVICE_JWK: jsonText.pipe(ecP256PrivateJwk),
    /** Browser origins allowed to open signaling connections (comma separated); unset = same origin only. */
    SFU_CORS_ORIGINS: z
      .string()
      .transform((value) => value.split(',').map((origin) => origin.trim()).filter((origin) => origin.length > 0))
      .pipe(z.array(z.url()))
      .optional(),
    /** Redis shared with the API and other SFU nodes; unset = this is the only node. */
    REDIS_URL: z.url().optional(),
    /** With REDIS_URL: this node's id (short, unique) and the signaling URL browsers use for it. */
    SFU_NODE_ID: sfuNodeIdSchema.optional(),
    SFU_PUBLIC_URL: z.string().min(1).max(512).optional(),
    /**
     * Journal of room audit events not yet acknowledged by the API (sfu/src/api/AuditOutbox.ts).
     * One file per SFU process: nodes sharing a disk need distinct paths.
     */
    SFU_AUDIT_JOURNAL: z.string().min(1).default('.data/sfu-audit-outbox.jsonl'),
    /** Media caps (sfu/src/media/mediaLimits.ts): objects one peer, and one room, may hold. */
    SFU_MAX_TRANSPORTS_PER_PEER: z.coerce.number().int().min(2).max(64).default(DEFAULT_MEDIA_LIMITS.transportsPerPeer),
    SFU_MAX_PRODUCERS_PER_PEER: z.coerce.number().int().min(1).max(64).default(DEFAULT_MEDIA_LIMITS.producersPerPeer),
    SFU_MAX_CONSUMERS_PER_PEER: z.coerce.number().int().min(1).max(1024).default(DEFAULT_MEDIA_LIMITS.consumersPerPeer),
    SFU_MAX_TRANSPORTS_PER_ROOM: z.coerce.number().int().min(2).max(1024).default(DEFAULT_MEDIA_LIMITS.transportsPerRoom),
    SFU_MAX_PRODUCERS_PER_ROOM: z.coerce.number().int().min(1).max(1024).default(DEFAULT_MEDIA_LIMITS.producersPerRoom),
    SFU_MAX_CONSUMERS_PER_ROOM: z.coerce.number().int().min(1).max(4096).default(DEFAULT_MEDIA_LIMITS.consumersPerRoom),
  })
  .refine((config) => config.REDIS_URL === undefined || (config.SFU_NODE_ID !== undefined && config.SFU_PUBLIC_URL !== undefined), {
    message: 'with REDIS_URL, SFU_NODE_ID and SFU_PUBLIC_URL are required',
    path: ['REDIS_URL'],
  })
  .refine((config) => config.SFU_RTC_MIN_PORT <= config.SFU_RTC_MAX_PORT, {
    message: 'SFU_RTC_MIN_PORT must not exceed SFU_RTC_MAX_PORT',
    path: ['SFU_RTC_MIN_PORT'],
  });

export type SfuConfig = z.infer<typeof configSchema>;

/** Parses and validates the environment. Throws listing every problem (never the values). */
export function loadSfuConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid SFU configuration:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** The media caps the configuration sets. */
export function mediaLimitsOf(config: SfuConfig): MediaLimits {
  return {
    transportsPerPeer: config.SFU_MAX_TRANSPORTS_PER_PEER,
    producersPerPeer: config.SFU_MAX_PRODUCERS_PER_PEER,
    consumersPerPeer: config.SFU_MAX_CONSUMERS_PER_PEER,
    transportsPerRoom: config.SFU_MAX_TRANSPORTS_PER_ROOM,
    producersPerRoom: config.SFU_MAX_PRODUCERS_PER_ROOM,
    consumersPerRoom: config.SFU_MAX_CONSUMERS_PER_ROOM,
  };
}

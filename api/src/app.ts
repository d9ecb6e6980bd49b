import express from 'express';
import type { Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import 'reflect-metadata';
import type { Config } from './config.js';
import { createDataSource } from './db/dataSource.js';
import { assertLeastPrivilege } from './db/runtimeRole.js';
import { notFound } from './errors.js';
import { createErrorHandler } from './http/errorHandler.js';
import { createHttpLogger } from './http/httpLogger.js';
import { HttpMetrics } from './http/metrics.js';
import { metricsEndpoint } from './http/metricsEndpoint.js';
import { mountRoutes } from './http/mountRoutes.js';
import type { Authenticator } from './http/mountRoutes.js';
import { perMinuteLimit } from './http/rateLimits.js';
import type { RouteSpec } from './http/route.js';
import type { ProxyTrust } from './http/clientAddress.js';
import { routeRefusalAuditor } from './kernel/refusalAudit.js';
import { createLogger } from './logger.js';
import { createMailer } from './mail/mailer.js';
import { createCoordination } from './coordination/coordination.js';
import { auditRoutes } from './modules/audit/auditRoutes.js';
import { careTeamRoutes } from './modules/careteam/careTeamRoutes.js';
import { consentRoutes } from './modules/consent/consentRoutes.js';
import { PHOTO_UPLOAD_PATH, photoBodyParser } from './modules/followups/followUpRoutes.js';
import { healthRoutes } from './modules/health/healthRoutes.js';
import { createAuthenticator, createSessionRecheck, createTokenAuthenticator } from './modules/identity/authenticator.js';
import { identityRoutes } from './modules/identity/identityRoutes.js';
import { INVITATION_LINK_PATH_PREFIX, invitationRoutes } from './modules/invitations/invitationRoutes.js';
import { createTokenService } from './auth/tokens.js';
import { onboardingRoutes } from './modules/identity/onboardingRoutes.js';
import { LiveUpdates } from './modules/live/liveUpdates.js';
import { licensureRoutes } from './modules/licensure/licensureRoutes.js';
import { AppointmentNotices } from './modules/notifications/appointmentNotices.js';
import { platformRoutes } from './modules/platform/platformRoutes.js';
import { clinicalRoutes } from './modules/records/clinicalRoutes.js';
import { roomRoutes, sfuServiceRouter } from './modules/rooms/roomRoutes.js';
import { InMemoryWaitingRoomBoard } from './modules/rooms/waitingRoomBoard.js';
import { RedisWaitingRoomBoard } from './modules/rooms/redisWaitingRoomBoard.js';
import { WAITING_ROOM_READERS, waitingRoomRoutes } from './modules/rooms/waitingRoomRoutes.js';
import { appointmentRoutes } from './modules/scheduling/appointmentRoutes.js';
import { schedulingRoutes } from './modules/scheduling/schedulingRoutes.js';
import { visitRoutes } from './modules/scheduling/visitRoutes.js';
import type { ApiServices } from './services.js';

export interface ApiApp {
  app: Express;
  services: ApiServices;
  /**
   * The live channel (socket.io). Whoever listens attaches it to the HTTP server
   * (`live.attach(server)`, index.ts); until then it only sends (through Redis, to the other
   * instances' connections).
   */
  live: LiveUpdates;
  /** Every mounted route, for the OpenAPI document and the authz matrix test. */
  routes: RouteSpec[];
}

export interface InitOptions {
  databaseUrl: string;
  logger?: Logger;
}

const JSON_BODY_LIMIT = '256kb';

/** Builds the API in-process (tests use it with supertest); index.ts only listens. */
export async function initApp(config: Config, options: InitOptions): Promise<ApiApp> {
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const tokens = await createTokenService(config.AUTH_SIGNING_JWK, config.AUTH_PREVIOUS_JWKS);
  const dataSource = createDataSource({ url: options.databaseUrl, purpose: 'app' });
  await dataSource.initialize();
  try {
    // Least privilege (docs/operations.md): never serve requests on a login that could
    // step around row-level security or the audit trail's append-only trigger.
    await assertLeastPrivilege(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  const mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    outboxDir: config.MAIL_OUTBOX_DIR,
    logger,
  });
  const coordination = createCoordination({
    redisUrl: config.REDIS_URL,
    singleSfuUrl: config.SFU_PUBLIC_URL ?? null,
    logger,
  });
  // Room events reach one API instance, staff may poll another: share the board when clustered.
  const waitingRoom = config.REDIS_URL === undefined ? new InMemoryWaitingRoomBoard() : new RedisWaitingRoomBoard(config.REDIS_URL, logger);
  const notices = new AppointmentNotices({
    connectionString: config.JOBS_DATABASE_URL ?? options.databaseUrl,
    schema: 'pgboss',
    dataSource,
    mailer,
    logger,
    publicAppUrl: config.PUBLIC_APP_URL,
    mailFrom: config.MAIL_FROM,
    pollingIntervalSeconds: config.JOBS_POLLING_SECONDS,
  });
  await notices.start();
  const app = express();
  app.disable('x-powered-by');
  // A hop count or the proxies' CIDRs (never `true`): req.ip, and so audit rows, sessions,
  // consent signatures and per-IP rate limits, is the real client (http/clientAddress.ts).
  app.set('trust proxy', config.TRUST_PROXY);
  const live = new LiveUpdates({
    redisUrl: config.REDIS_URL,
    logger,
    sessionCheckMs: config.LIVE_SESSION_CHECK_SECONDS * 1000,
    gate: {
      authenticate: createTokenAuthenticator({ tokens, dataSource, config }),
      recheck: createSessionRecheck({ tokens, dataSource, config }),
      roles: WAITING_ROOM_READERS,
      dataSource,
      trust: app.get('trust proxy fn') as ProxyTrust,
    },
  });
  const services: ApiServices = { config, logger, dataSource, tokens, mailer, coordination, notices, lifecycle: { shuttingDown: false }, waitingRoom, live };

  const authenticate: Authenticator = createAuthenticator(services);
  const routes: RouteSpec[] = [
    ...healthRoutes(services),
    ...identityRoutes(services),
    ...onboardingRoutes(services),
    ...licensureRoutes(services),
    ...schedulingRoutes(services),
    ...appointmentRoutes(services),
    ...visitRoutes(services),
    ...consentRoutes(services),
    ...clinicalRoutes(services),
    ...roomRoutes(services),
    ...waitingRoomRoutes(services),
    ...auditRoutes(services),
    ...careTeamRoutes(services),
    ...invitationRoutes(services),
  ];
  // The OpenAPI route describes every route, itself included, so it reads the list lazily.
  routes.push(...platformRoutes(() => routes));
  const metrics = new HttpMetrics();

  app.use(
    helmet({
      // The API only serves JSON and downloads: nothing may execute, embed or frame it.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
      },
      strictTransportSecurity: { maxAge: 63072000, includeSubDomains: true },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use((_req, res, next) => {
    // Responses may carry PHI: no shared or browser cache may keep them.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(createHttpLogger(logger));
  app.use(metrics.middleware);
  app.get('/metrics', metricsEndpoint(metrics, config.METRICS_TOKEN));
  app.use('/v1/auth', perMinuteLimit(config.AUTH_RATE_LIMIT_PER_MINUTE, coordination.rateLimitStore('auth')));
  // Guest links are unauthenticated secrets: limited like sign-in, so they cannot be guessed at speed.
  app.use(INVITATION_LINK_PATH_PREFIX, perMinuteLimit(config.AUTH_RATE_LIMIT_PER_MINUTE, coordination.rateLimitStore('invitations')));
  app.use(perMinuteLimit(config.RATE_LIMIT_PER_MINUTE, coordination.rateLimitStore('all')));
  app.use(PHOTO_UPLOAD_PATH, photoBodyParser());
  app.use(express.json({ limit: JSON_BODY_LIMIT, strict: true }));

  // SFU-to-API calls (admission checks, room audit events), behind the SFU's service token.
  app.use(await sfuServiceRouter(services));
  const router = express.Router();
  mountRoutes(router, routes, authenticate, routeRefusalAuditor(services.dataSource));
  app.use(router);
  app.use(() => {
    throw notFound('route_not_found', 'No such endpoint');
  });
  app.use(createErrorHandler(logger));

  return { app, services, routes, live };
}

/** Releases what initApp acquired. Safe to call more than once. */
export async function shutdownApp({ services, live }: ApiApp): Promise<void> {
  services.lifecycle.shuttingDown = true;
  await live.close();
  await services.notices.stop();
  await services.mailer.close();
  await services.coordination.close();
  await services.waitingRoom.close();
  if (services.dataSource.isInitialized) {
    await services.dataSource.destroy();
  }
}

import { createHttpApiGateway } from './api/apiGateway.js';
import { createServiceTokenSigner } from './api/serviceToken.js';
import { createRoomTokenVerifier } from './auth/roomTokens.js';
import { loadSfuConfig, mediaLimitsOf } from './config.js';
import { createSfuLogger } from './logger.js';
import { SfuServer } from './SfuServer.js';

/** Time allowed for a graceful stop before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadSfuConfig();
  const logger = createSfuLogger(config.LOG_LEVEL);
  const apiUrl = new URL(config.SFU_API_URL);
  const verifyRoomToken = createRoomTokenVerifier(
    config.SFU_ROOM_TOKEN_JWKS === undefined
      ? { jwksUrl: new URL('/.well-known/jwks.json', apiUrl) }
      : { jwks: config.SFU_ROOM_TOKEN_JWKS },
  );
  const api = createHttpApiGateway({ baseUrl: apiUrl, serviceToken: await createServiceTokenSigner(config.SFU_SERVICE_JWK) });
  const server = await SfuServer.start({
    host: config.SFU_HOST,
    port: config.SFU_PORT,
    workers: config.SFU_WORKERS,
    rtcMinPort: config.SFU_RTC_MIN_PORT,
    rtcMaxPort: config.SFU_RTC_MAX_PORT,
    listenIp: config.SFU_LISTEN_IP,
    ...(config.SFU_ANNOUNCED_ADDRESS === undefined ? {} : { announcedAddress: config.SFU_ANNOUNCED_ADDRESS }),
    ...(config.SFU_CORS_ORIGINS === undefined ? {} : { corsOrigins: config.SFU_CORS_ORIGINS }),
    verifyRoomToken,
    api,
    logger,
    limits: mediaLimitsOf(config),
    auditJournalPath: config.SFU_AUDIT_JOURNAL,
    ...(config.REDIS_URL === undefined || config.SFU_NODE_ID === undefined || config.SFU_PUBLIC_URL === undefined
      ? {}
      : { cluster: { redisUrl: config.REDIS_URL, nodeId: config.SFU_NODE_ID, publicUrl: config.SFU_PUBLIC_URL } }),
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('graceful shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    await server.close();
    logger.info('stopped');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void stop(signal));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sfu failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

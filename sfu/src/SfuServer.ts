import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientToServerEvents, ServerToClientEvents } from '@medspa/shared-types';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { ApiGateway } from './api/apiGateway.js';
import { AuditOutbox } from './api/AuditOutbox.js';
import { NodeHeartbeat } from './cluster/NodeHeartbeat.js';
import type { RoomTokenVerifier } from './auth/roomTokens.js';
import { RoomRegistry } from './media/RoomRegistry.js';
import { WorkerPool } from './media/WorkerPool.js';
import { attachSignaling } from './signaling/attachSignaling.js';
import { DEFAULT_MEDIA_LIMITS } from './media/mediaLimits.js';
import type { MediaLimits } from './media/mediaLimits.js';
import type { InterServerEvents, SignalingServer, SocketData } from './signaling/socketTypes.js';

export interface SfuServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  workers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  listenIp: string;
  announcedAddress?: string;
  corsOrigins?: string[];
  verifyRoomToken: RoomTokenVerifier;
  api: ApiGateway;
  logger: Logger;
  /** Several nodes sharing rooms through Redis: this node's id and public signaling URL. */
  cluster?: { redisUrl: string; nodeId: string; publicUrl: string };
  /** Journal of room audit events not yet acknowledged by the API (durable outbox). */
  auditJournalPath?: string;
  /** Caps on media objects per peer and room (default DEFAULT_MEDIA_LIMITS). */
  limits?: MediaLimits;
  /** How long a dropped admitted peer keeps its seat ("reconnecting"); 0 removes it at once. Default 30 s. */
  reconnectGraceMs?: number;
}

/**
 * How long a dropped admitted peer keeps its seat. socket.io clients retry within seconds
 * (RoomConnection backoff 0.5-4 s); a phone switching from Wi-Fi to cellular needs longer.
 */
const DEFAULT_RECONNECT_GRACE_MS = 30_000;

/** Largest signaling message accepted; mediasoup parameters are a few kilobytes at most. */
const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The SFU process: HTTP server with /health, socket.io signaling, a mediasoup worker pool and
 * the rooms on it. close() cascades: sockets, rooms, workers, then queued audit events.
 */
export class SfuServer {
  readonly #http: http.Server;
  readonly #io: SignalingServer;
  readonly #pool: WorkerPool;
  readonly #rooms: RoomRegistry;
  readonly #audit: AuditOutbox;
  #heartbeat: NodeHeartbeat | undefined;
  #closed = false;

  private constructor(httpServer: http.Server, io: SignalingServer, pool: WorkerPool, rooms: RoomRegistry, audit: AuditOutbox) {
    this.#http = httpServer;
    this.#io = io;
    this.#pool = pool;
    this.#rooms = rooms;
    this.#audit = audit;
  }

  static async start(options: SfuServerOptions): Promise<SfuServer> {
    const { logger } = options;
    const pool = await WorkerPool.start({
      size: options.workers,
      rtcMinPort: options.rtcMinPort,
      rtcMaxPort: options.rtcMaxPort,
      logger,
      onWorkerReplaced: (dead) => {
        // Only ever called after a worker died, by which time `rooms` exists.
        void rooms.recoverFrom(dead);
      },
    });
    const rooms = new RoomRegistry(pool, logger);
    const audit = AuditOutbox.open(options.api, logger, options.auditJournalPath === undefined ? {} : { journalPath: options.auditJournalPath });

    const httpServer = http.createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(pool.closed ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ status: pool.closed ? 'stopping' : 'ok' }));
        return;
      }
      res.writeHead(404).end();
    });
    const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
      serveClient: false,
      ...(options.corsOrigins === undefined ? {} : { cors: { origin: options.corsOrigins } }),
    });
    const listenInfos: types.TransportListenInfo[] = (['udp', 'tcp'] as const).map((protocol) => ({
      protocol,
      ip: options.listenIp,
      ...(options.announcedAddress === undefined ? {} : { announcedAddress: options.announcedAddress }),
    }));
    attachSignaling({
      io,
      rooms,
      verifyRoomToken: options.verifyRoomToken,
      ...(options.cluster === undefined ? {} : { nodeId: options.cluster.nodeId }),
      services: {
        api: options.api,
        logger,
        listenInfos,
        limits: options.limits ?? DEFAULT_MEDIA_LIMITS,
        report: (event) => { audit.report(event); },
        reconnectGraceMs: options.reconnectGraceMs ?? DEFAULT_RECONNECT_GRACE_MS,
      },
    });

    httpServer.listen(options.port, options.host);
    await once(httpServer, 'listening');
    logger.info({ host: options.host, port: (httpServer.address() as AddressInfo).port, workers: options.workers }, 'sfu listening');
    const server = new SfuServer(httpServer, io, pool, rooms, audit);
    if (options.cluster !== undefined) {
      // Registered only once it listens: placement must never hand out a node not yet serving.
      const heartbeat = await NodeHeartbeat.start({
        ...options.cluster,
        load: () => ({ rooms: rooms.size, peers: rooms.peerCount }),
        logger,
      });
      server.#heartbeat = heartbeat;
      rooms.onRoomClosed = (roomId) => {
        heartbeat.roomClosed(roomId);
      };
    }
    return server;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  get url(): string {
    const address = this.#http.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Open rooms by appointment id (tests and metrics). */
  get rooms(): RoomRegistry {
    return this.#rooms;
  }

  get workerPids(): number[] {
    return this.#pool.pids;
  }

  /** Stops accepting, closes every room and worker, then delivers queued audit events. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#heartbeat?.stop();
    await this.#io.close().catch(() => undefined);
    this.#rooms.close();
    this.#pool.close();
    this.#http.closeAllConnections();
    await this.#audit.close();
  }
}

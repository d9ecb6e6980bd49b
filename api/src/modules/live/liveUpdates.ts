import type { Server as HttpServer } from 'node:http';
import { LIVE_REFUSAL_CODES, LIVE_SOCKET_PATH, liveHandshakeAuthSchema } from '@medspa/shared-types';
import type { LiveClientToServerEvents, LiveNudge, LiveRefusalCode, LiveServerToClientEvents, Role } from '@medspa/shared-types';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io';
import { recordAudit } from '../../audit/auditWriter.js';
import { CLOCK_TOLERANCE_SECONDS } from '../../auth/tokens.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError } from '../../errors.js';
import { upgradeClientAddress } from '../../http/clientAddress.js';
import type { ProxyTrust } from '../../http/clientAddress.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import { requestIdOf } from '../../http/requestContext.js';
import type { DataSource } from 'typeorm';
import type { TokenAuthenticator } from '../identity/authenticator.js';
import type { SessionCheck } from '../identity/sessions.js';

/** What the API tells live screens; each call is a "fetch again" hint without PHI. */
export interface LiveNudges {
  /** A patient started or stopped waiting in one of the practice's visit rooms, or was admitted. */
  waitingChanged: (practiceId: string) => void;
}

interface LiveSocketData {
  auth: AuthContext;
  /** The handshake's context (address, user agent): re-checks audit an idle logoff with it. */
  context: RequestContext;
}

type LiveServer = Server<LiveClientToServerEvents, LiveServerToClientEvents, Record<string, never>, LiveSocketData>;
type LiveSocket = Socket<LiveClientToServerEvents, LiveServerToClientEvents, Record<string, never>, LiveSocketData>;

/** How a connection is let in and kept honest; built in app.ts from the identity module. */
export interface LiveGate {
  /** The HTTP requests' verification: token, live session, idle logoff (counts as activity). */
  authenticate: TokenAuthenticator;
  /** Session re-check that does not count as activity. */
  recheck: (auth: AuthContext, context: RequestContext) => Promise<SessionCheck>;
  /** Roles that may hold the channel (those that may read GET /v1/waiting-room). */
  roles: readonly Role[];
  /** Runtime connections, for the refusal audit event of a role that may not connect. */
  dataSource: DataSource;
  /** TRUST_PROXY as Express compiled it, so the handshake's address resolves like `req.ip`. */
  trust: ProxyTrust;
}

export interface LiveUpdatesOptions {
  /** Set: nudges travel through Redis pub/sub to every API instance's sockets. */
  redisUrl: string | undefined;
  logger: Logger;
  /** How often every open connection's session is checked again (revoked, idle, disabled). */
  sessionCheckMs: number;
  gate: LiveGate;
}

/** Clients send nothing after the handshake; anything bigger than a ping is not ours. */
const MAX_MESSAGE_BYTES = 1024;

const practiceRoom = (practiceId: string): string => `practice:${practiceId}`;

/** An Error socket.io hands the client as `connect_error` with `data.code`. */
function refusal(code: LiveRefusalCode, message: string): Error & { data: { code: LiveRefusalCode } } {
  return Object.assign(new Error(message), { data: { code } });
}

const isRefusalCode = (code: string): code is LiveRefusalCode => (LIVE_REFUSAL_CODES as readonly string[]).includes(code);

/**
 * The API's live channel (issue 12): socket.io on LIVE_SOCKET_PATH, attached to the API's own
 * HTTP server. A staff member connects with their access token, verified exactly like an
 * HTTP request, and joins their practice's room; the API emits PHI-free nudges to that room
 * when the waiting board changes. With REDIS_URL set the Redis adapter carries each nudge to
 * the sockets of every API instance (the SFU's room event reaches one instance, staff may be
 * connected to another); unset, one process delivers in memory.
 *
 * WebSocket only: socket.io's HTTP long-polling needs every request of a session to reach
 * the same instance, which a round-robin proxy without stickiness does not do
 * (docs/operations.md "Live updates"). The schedule's slow poll covers clients that cannot
 * open a WebSocket.
 */
export class LiveUpdates implements LiveNudges {
  readonly #io: LiveServer;
  readonly #logger: Logger;
  readonly #gate: LiveGate;
  readonly #redis: Redis[] = [];
  readonly #recheckTimer: ReturnType<typeof setInterval>;
  #attached = false;
  #checking = false;
  #closed = false;

  constructor({ redisUrl, logger, sessionCheckMs, gate }: LiveUpdatesOptions) {
    this.#logger = logger;
    this.#gate = gate;
    this.#io = new Server({
      path: LIVE_SOCKET_PATH,
      transports: ['websocket'],
      serveClient: false,
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
    });
    if (redisUrl !== undefined) {
      const pub = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
      // Subscriber mode blocks a connection for anything else: the adapter needs its own.
      const sub = pub.duplicate();
      for (const client of [pub, sub]) {
        client.on('error', (error: Error) => {
          logger.warn({ reason: error.message }, 'redis connection problem (live updates)');
        });
      }
      // The adapter publishes without awaiting: a publish refused while Redis is away would
      // be an unhandled rejection (a crash). A lost nudge only delays the alert to the poll.
      const publish: (channel: string, message: string | Buffer) => Promise<number> = pub.publish.bind(pub);
      Object.assign(pub, {
        publish: (channel: string, message: string | Buffer) =>
          publish(channel, message).catch((error: unknown) => {
            logger.warn({ reason: (error as Error).message }, 'live nudge not published');
            return 0;
          }),
      });
      this.#redis.push(pub, sub);
      this.#io.adapter(createAdapter(pub, sub, { key: 'medspa:live' }));
    }
    this.#io.use((socket, next) => {
      this.#admit(socket).then(
        () => {
          next();
        },
        (error: unknown) => {
          next(error as Error);
        },
      );
    });
    this.#io.on('connection', (socket) => {
      this.#connected(socket);
    });
    this.#recheckTimer = setInterval(() => void this.#recheckAll(), sessionCheckMs);
    this.#recheckTimer.unref();
  }

  /** Serves the channel on the API's HTTP server (index.ts, or a test's server). Once. */
  attach(server: HttpServer): void {
    if (this.#attached) throw new Error('live updates are already attached to a server');
    this.#attached = true;
    this.#io.attach(server);
  }

  waitingChanged(practiceId: string): void {
    if (this.#closed) return;
    const nudge: LiveNudge = { kind: 'waiting_changed' };
    this.#io.to(practiceRoom(practiceId)).emit('nudge', nudge);
  }

  /** Connections open on this instance (operators, tests). */
  get localConnections(): number {
    return this.#io.of('/').sockets.size;
  }

  /**
   * Drops every connection (clients see a transport close and reconnect, to another instance
   * behind a proxy) and releases Redis. Leaves the HTTP server to its owner. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#recheckTimer);
    if (this.#attached) this.#io.engine.close();
    await this.#io.of('/').adapter.close();
    await Promise.all(this.#redis.map((client) => client.quit().catch(() => undefined)));
  }

  async #admit(socket: LiveSocket): Promise<void> {
    const auth = liveHandshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!auth.success) throw refusal('invalid_handshake', 'Connect with { token }: your access token');
    const userAgent = socket.request.headers['user-agent'];
    const context: RequestContext = {
      requestId: requestIdOf(socket.request),
      ip: upgradeClientAddress(socket.request, this.#gate.trust),
      userAgent: userAgent ?? null,
      auth: null,
    };
    let caller: AuthContext;
    try {
      caller = await this.#gate.authenticate(auth.data.token, context);
    } catch (error) {
      if (error instanceof AppError && isRefusalCode(error.code)) throw refusal(error.code, error.message);
      this.#logger.error({ reason: (error as Error).message }, 'live connection check failed');
      throw refusal('internal_error', 'Could not check the connection; try again');
    }
    context.auth = caller;
    if (!this.#gate.roles.includes(caller.role)) {
      // Every refusal is on record (docs/access-policy.md), like a 403 on GET /v1/waiting-room.
      await withTenant(this.#gate.dataSource, caller.practiceId, (tx) =>
        recordAudit(tx, caller.practiceId, context, {
          action: 'access.denied',
          outcome: 'denied',
          entityType: 'route',
          entityId: `GET ${LIVE_SOCKET_PATH}`,
        }),
      );
      throw refusal('forbidden', 'Not allowed for your role');
    }
    socket.data.auth = caller;
    socket.data.context = context;
    const { exp } = decodeJwt(auth.data.token);
    if (exp !== undefined) {
      // The token was verified above, so its expiry is real: once the verifier would refuse
      // it (expiry plus the clock tolerance), an HTTP request with it would get a 401, and
      // the connection ends too; the client reconnects with a refreshed token.
      const timer = setTimeout(() => {
        this.#end(socket, 'token_expired');
      }, Math.max(0, (exp + CLOCK_TOLERANCE_SECONDS) * 1000 - Date.now()));
      timer.unref();
      socket.once('disconnect', () => {
        clearTimeout(timer);
      });
    }
  }

  #connected(socket: LiveSocket): void {
    void socket.join(practiceRoom(socket.data.auth.practiceId));
  }

  #end(socket: LiveSocket, code: LiveRefusalCode): void {
    if (!socket.connected) return;
    socket.emit('ended', { code });
    this.#logger.info({ code }, 'live connection ended');
    socket.disconnect(true);
  }

  /** Sign-out, idle logoff, disablement end the session: its open connections end with it. */
  async #recheckAll(): Promise<void> {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    try {
      for (const socket of [...this.#io.of('/').sockets.values()]) {
        if (!socket.connected) continue;
        try {
          const check = await this.#gate.recheck(socket.data.auth, socket.data.context);
          if (!check.ok) this.#end(socket, check.refusal);
        } catch (error) {
          // The database is away: keep the connection (nudges hold no PHI) and check next round.
          this.#logger.warn({ reason: (error as Error).message }, 'live session re-check failed');
        }
      }
    } finally {
      this.#checking = false;
    }
  }
}

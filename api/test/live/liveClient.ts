import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIVE_SOCKET_PATH, liveEndedSchema, liveNudgeSchema } from '@medspa/shared-types';
import type { LiveClientToServerEvents, LiveNudge, LiveServerToClientEvents } from '@medspa/shared-types';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { ApiApp } from '../../src/app.js';

type LiveSocket = Socket<LiveServerToClientEvents, LiveClientToServerEvents>;

/** A test's view of one live connection: what it received, validated like the client does. */
export interface LiveConnection {
  socket: LiveSocket;
  nudges: LiveNudge[];
  /** Codes of `ended` events (the server ending the connection). */
  ended: string[];
  /** Resolves with the next nudge (or rejects after `timeoutMs`). */
  nextNudge: (timeoutMs: number) => Promise<LiveNudge>;
  /** Resolves once the server disconnected this socket. */
  disconnected: (timeoutMs: number) => Promise<string>;
  close: () => void;
}

/** Listens on a loopback port with the live channel attached, as index.ts does. */
export async function listenWithLive(api: ApiApp): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(api.app);
  api.live.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${String(port)}`,
    close: async () => {
      await api.live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}

function open(url: string, auth: Record<string, unknown>): LiveSocket {
  return io(url, { path: LIVE_SOCKET_PATH, transports: ['websocket'], auth, reconnection: false, forceNew: true });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no ${what} within ${String(timeoutMs)} ms`)); }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => { clearTimeout(timer); });
}

/** Connects with an access token; rejects with the refusal code if the handshake is refused. */
export async function connectLive(url: string, token: string): Promise<LiveConnection> {
  const socket = open(url, { token });
  const nudges: LiveNudge[] = [];
  const ended: string[] = [];
  const waiters: ((nudge: LiveNudge) => void)[] = [];
  socket.on('nudge', (payload: unknown) => {
    const nudge = liveNudgeSchema.parse(payload);
    nudges.push(nudge);
    for (const waiter of waiters.splice(0)) waiter(nudge);
  });
  socket.on('ended', (payload: unknown) => {
    ended.push(liveEndedSchema.parse(payload).code);
  });
  const disconnect = new Promise<string>((resolve) => socket.once('disconnect', resolve));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => { resolve(); });
      socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
        reject(new Error(`refused: ${error.data?.code ?? error.message}`));
      });
    }),
    10_000,
    'connection',
  );
  return {
    socket,
    nudges,
    ended,
    nextNudge: (timeoutMs) => withTimeout(new Promise<LiveNudge>((resolve) => waiters.push(resolve)), timeoutMs, 'nudge'),
    disconnected: (timeoutMs) => withTimeout(disconnect, timeoutMs, 'disconnect'),
    close: () => { socket.close(); },
  };
}

/** The `connect_error` code a handshake with this auth gets (fails the test if it is accepted). */
export async function refusalCode(url: string, auth: Record<string, unknown>): Promise<string> {
  const socket = open(url, auth);
  try {
    return await withTimeout(
      new Promise<string>((resolve, reject) => {
        socket.once('connect', () => { reject(new Error('handshake was accepted')); });
        socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
          resolve(error.data?.code ?? `no code (${error.message})`);
        });
      }),
      10_000,
      'refusal',
    );
  } finally {
    socket.close();
  }
}

/**
 * The API's live channel (socket.io on LIVE_SOCKET_PATH, same origin): the server pushes a
 * PHI-free nudge when something a staff screen shows has changed, and the screen fetches it
 * again through the audited HTTP API. WebSocket only, so a proxy spreading requests over
 * several API instances without stickiness still works (docs/operations.md "Live updates").
 */
import { LIVE_SOCKET_PATH, liveEndedSchema, liveNudgeSchema } from '@medspa/shared-types';
import type { LiveClientToServerEvents, LiveNudge, LiveServerToClientEvents } from '@medspa/shared-types';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { currentAccessToken, refreshSession } from '../api/http.js';

type LiveSocket = Socket<LiveServerToClientEvents, LiveClientToServerEvents>;

/** socket.io's own retry bounds after a dropped connection (it retries forever within them). */
const RECONNECT_DELAY_MS = 1000;
const RECONNECT_DELAY_MAX_MS = 30_000;
/** Refreshes in a row without a successful connection before giving up (the caller's poll goes on). */
const MAX_RENEWALS = 3;

export interface LiveChannelHandlers {
  /** A nudge arrived. */
  onNudge: (nudge: LiveNudge) => void;
  /** Connected, the first time or again: whatever changed meanwhile was not nudged. */
  onConnect: () => void;
}

/**
 * Opens the live channel with the session's access token and keeps it open: socket.io
 * reconnects after network drops by itself, but not after the server refused or ended the
 * connection, so an expired access token is refreshed here and the connection retried. Other
 * refusals (signed out, role not allowed) leave the channel closed. Returns the closer.
 */
export function openLiveChannel({ onNudge, onConnect }: LiveChannelHandlers): () => void {
  const socket: LiveSocket = io({
    path: LIVE_SOCKET_PATH,
    transports: ['websocket'],
    // A function, so every (re)connection presents the token held at that moment.
    auth: (send) => {
      send({ token: currentAccessToken() ?? '' });
    },
    reconnectionDelay: RECONNECT_DELAY_MS,
    reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
  });
  let closed = false;
  let renewals = 0;
  let endedWith: string | null = null;
  const connectAgain = (refresh: boolean): void => {
    if (closed || renewals >= MAX_RENEWALS) return;
    renewals += 1;
    if (!refresh) {
      socket.connect();
      return;
    }
    void refreshSession().then((ok) => {
      if (ok && !closed) socket.connect();
    });
  };
  socket.on('connect', () => {
    renewals = 0;
    endedWith = null;
    onConnect();
  });
  socket.on('nudge', (payload: unknown) => {
    const nudge = liveNudgeSchema.safeParse(payload);
    if (nudge.success) onNudge(nudge.data);
  });
  socket.on('ended', (payload: unknown) => {
    const ended = liveEndedSchema.safeParse(payload);
    endedWith = ended.success ? ended.data.code : null;
  });
  socket.on('disconnect', (reason) => {
    // The server ended it because the token expired: the token held now may be fresher (an
    // API call refreshed it); if not, the handshake says token_expired and we refresh then.
    if (reason === 'io server disconnect' && endedWith === 'token_expired') connectAgain(false);
  });
  socket.on('connect_error', (error: Error & { data?: { code?: unknown } }) => {
    if (error.data?.code === 'token_expired') connectAgain(true);
  });
  return () => {
    closed = true;
    socket.close();
  };
}

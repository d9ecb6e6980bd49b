import { z } from 'zod';

/**
 * The API's live-update channel (issue 12): a socket.io connection staff screens keep open
 * so the API can tell them "something changed, fetch again" instead of being polled. Nudges
 * carry no PHI: names and visits stay behind the audited GET they prompt.
 */

/** socket.io path, under the API prefix so every proxy that routes /v1/ to the API routes it too. */
export const LIVE_SOCKET_PATH = '/v1/live/socket.io';

/** Handshake `auth`: the staff member's API access token (the same bearer token HTTP requests carry). */
export const liveHandshakeAuthSchema = z.object({
  token: z.string().min(1).max(4096),
});
export type LiveHandshakeAuth = z.infer<typeof liveHandshakeAuthSchema>;

/** "Fetch again" hints, discriminated by `kind`; identifiers of people never appear in them. */
export const liveNudgeSchema = z.discriminatedUnion('kind', [
  /** Someone started or stopped waiting in a visit room of the practice, or was admitted: GET /v1/waiting-room. */
  z.object({ kind: z.literal('waiting_changed') }),
]);
export type LiveNudge = z.infer<typeof liveNudgeSchema>;

/**
 * Codes of a refused live connection (`connect_error` carries them in `data.code`) and of a
 * connection the server ends (`ended`). The 401 codes are the ones HTTP requests get.
 */
export const LIVE_REFUSAL_CODES = [
  'invalid_handshake',
  'token_invalid',
  'token_expired',
  'session_revoked',
  'session_expired',
  'session_idle_timeout',
  'account_disabled',
  'forbidden',
  'internal_error',
] as const;
export type LiveRefusalCode = (typeof LIVE_REFUSAL_CODES)[number];

export const liveEndedSchema = z.object({ code: z.enum(LIVE_REFUSAL_CODES) });

/** Events the API pushes on the live channel. */
export interface LiveServerToClientEvents {
  nudge: (payload: LiveNudge) => void;
  /**
   * The server is about to disconnect this socket: the access token expired (reconnect with a
   * fresh one) or the session ended (signed out, idle logoff, account disabled).
   */
  ended: (payload: z.infer<typeof liveEndedSchema>) => void;
}

/** The live channel is one-way: clients send nothing after the handshake. */
export type LiveClientToServerEvents = Record<string, never>;

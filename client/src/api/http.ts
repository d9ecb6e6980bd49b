/**
 * The one HTTP client of the app. Access tokens live in memory only; the refresh token is
 * kept in sessionStorage (cleared when the tab closes) so a reload does not sign the user
 * out. Every request goes to the same origin (`/v1/...`), which the static server proxies
 * to the API, so the strict CSP can stay at `connect-src 'self'`.
 */
import type { Role } from '@medspa/shared-types';

export interface SessionUser {
  id: string;
  practiceId: string;
  role: Role;
}

interface TokenPair {
  status: 'authenticated';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: SessionUser;
}

export interface MfaEnrolmentRequired {
  status: 'mfa_enrolment_required';
  enrolmentToken: string;
  expiresIn: number;
}

/** An API error with the machine-readable code of the API's one error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const REFRESH_KEY = 'medspa.refresh';

type Listener = (user: SessionUser | null) => void;

let accessToken: string | null = null;
let currentUser: SessionUser | null = null;
const listeners = new Set<Listener>();

function setSession(pair: TokenPair | null): void {
  accessToken = pair?.accessToken ?? null;
  currentUser = pair?.user ?? null;
  if (pair === null) sessionStorage.removeItem(REFRESH_KEY);
  else sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
  for (const listener of listeners) listener(currentUser);
}

/** The signed-in user, or null. */
export function sessionUser(): SessionUser | null {
  return currentUser;
}

/**
 * The access token held now (null when signed out), for connections that cannot go through
 * `api()`: the live channel's socket.io handshake. It may have expired; a refusal with
 * `token_expired` is the caller's cue to `refreshSession()`.
 */
export function currentAccessToken(): string | null {
  return accessToken;
}

/** Subscribes to sign-in / sign-out; returns the unsubscribe function. */
export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function parseError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { code?: unknown; message?: unknown };
    return new ApiError(
      response.status,
      typeof body.code === 'string' ? body.code : 'http_error',
      typeof body.message === 'string' ? body.message : response.statusText,
    );
  } catch {
    return new ApiError(response.status, 'http_error', response.statusText);
  }
}

async function rawRequest(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
}

let refreshing: Promise<boolean> | null = null;

/** Trades the stored refresh token for a new pair; false (and signed out) when that fails. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    if (refreshToken === null) return false;
    const response = await rawRequest('POST', '/v1/auth/refresh', { refreshToken }, null);
    if (!response.ok) {
      setSession(null);
      return false;
    }
    setSession((await response.json()) as TokenPair);
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Calls the API; on 401 refreshes once and retries. Throws ApiError on failure. */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response = await rawRequest(method, path, body, accessToken);
  if (response.status === 401 && accessToken !== null && (await refreshSession())) {
    response = await rawRequest(method, path, body, accessToken);
  }
  if (!response.ok) throw await parseError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Fetches a download (audit exports) with the bearer token; returns the body as a Blob. */
export async function download(path: string): Promise<{ blob: Blob; headers: Headers }> {
  let response = await fetch(path, { headers: accessToken === null ? {} : { Authorization: `Bearer ${accessToken}` }, cache: 'no-store' });
  if (response.status === 401 && (await refreshSession())) {
    response = await fetch(path, { headers: { Authorization: `Bearer ${accessToken ?? ''}` }, cache: 'no-store' });
  }
  if (!response.ok) throw await parseError(response);
  return { blob: await response.blob(), headers: response.headers };
}

export interface LoginInput {
  practice: string;
  email: string;
  password: string;
  totpCode?: string;
}

/** Signs in; staff without TOTP get an enrolment token instead of a session. */
export async function login(input: LoginInput): Promise<SessionUser | MfaEnrolmentRequired> {
  const result = await api<TokenPair | MfaEnrolmentRequired>('POST', '/v1/auth/login', input);
  if (result.status === 'mfa_enrolment_required') return result;
  setSession(result);
  return result.user;
}

/** Starts TOTP enrolment: returns the secret and otpauth URI once. */
export function startMfaEnrolment(enrolmentToken: string): Promise<{ secret: string; otpauthUri: string }> {
  return api('POST', '/v1/auth/mfa/enrol', { enrolmentToken });
}

/** Enrolment confirmed: the one-time recovery codes to show, and the sign-in to finish. */
export interface ConfirmedEnrolment {
  recoveryCodes: string[];
  /** Starts the session; called once the user has saved their recovery codes. */
  finishSignIn: () => void;
}

/**
 * Confirms enrolment with a first code. The session is held back until `finishSignIn`, so
 * the recovery codes stay on screen (signing in switches to the home screen).
 */
export async function confirmMfaEnrolment(enrolmentToken: string, totpCode: string): Promise<ConfirmedEnrolment> {
  const pair = await api<TokenPair & { recoveryCodes?: string[] }>('POST', '/v1/auth/mfa/confirm', { enrolmentToken, totpCode });
  return {
    recoveryCodes: pair.recoveryCodes ?? [],
    finishSignIn: () => {
      setSession(pair);
    },
  };
}

/** Signs in with password and a one-time recovery code instead of the authenticator code. */
export async function loginWithRecoveryCode(input: Omit<LoginInput, 'totpCode'> & { recoveryCode: string }): Promise<SessionUser> {
  const pair = await api<TokenPair>('POST', '/v1/auth/login', input);
  setSession(pair);
  return pair.user;
}

/** Ends the session on the server (best effort) and forgets every token here. */
export async function logout(): Promise<void> {
  try {
    if (accessToken !== null) await rawRequest('POST', '/v1/auth/logout', undefined, accessToken);
  } finally {
    setSession(null);
  }
}

/** Uploads raw bytes (visit photos) with their content type; returns the parsed JSON reply. */
export async function uploadBytes<T>(path: string, body: Blob): Promise<T> {
  const send = (): Promise<Response> =>
    fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': body.type, ...(accessToken === null ? {} : { Authorization: `Bearer ${accessToken}` }) },
      body,
      cache: 'no-store',
    });
  let response = await send();
  if (response.status === 401 && (await refreshSession())) response = await send();
  if (!response.ok) throw await parseError(response);
  return (await response.json()) as T;
}

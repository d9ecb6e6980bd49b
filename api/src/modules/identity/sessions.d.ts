import type { Role } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { RequestContext } from '../../http/requestContext.js';
/**
 * Activity is written at most this often per session: enough precision for a 15-minute
 * idle logoff without a write on every request.
 */
export declare const ACTIVITY_TOUCH_INTERVAL_SECONDS = 30;
/**
 * `<practice id>.<secret>`. The practice id is not secret: it tells the server which
 * tenant to open before it looks the token up, since row-level security hides every
 * tenant until one is set.
 */
export declare const refreshTokenSchema: z.ZodString;
/** The practice a (schema-valid) refresh token belongs to. */
export declare function practiceOfRefreshToken(token: string): string;
export interface NewSession {
    sessionId: string;
    refreshToken: string;
}
/** Opens a session (one sign-in, one refresh-token family) and issues its first refresh token. */
export declare function createSession(manager: EntityManager, context: RequestContext, input: {
    practiceId: string;
    userId: string;
    absoluteTtlSeconds: number;
}): Promise<NewSession>;
export type SessionRevocationReason = 'logout' | 'idle_timeout' | 'refresh_reuse' | 'user_changed';
/** Ends a session; its refresh tokens stop working with it. Idempotent. */
export declare function revokeSession(manager: EntityManager, sessionId: string, reason: SessionRevocationReason): Promise<void>;
/** Ends every open session of a user (disabled, role changed). */
export declare function revokeUserSessions(manager: EntityManager, userId: string): Promise<void>;
/** Why a session cannot be used; each maps to a 401 code. */
export type SessionRefusal = 'session_revoked' | 'session_expired' | 'session_idle_timeout' | 'account_disabled';
export type SessionCheck = {
    ok: true;
    role: Role;
} | {
    ok: false;
    refusal: SessionRefusal;
};
/**
 * Validates the session behind an access token and records activity (throttled to one
 * write per ACTIVITY_TOUCH_INTERVAL_SECONDS).
 */
export declare function useSession(manager: EntityManager, context: RequestContext, input: {
    practiceId: string;
    sessionId: string;
    userId: string;
    idleTimeoutSeconds: number;
}): Promise<SessionCheck>;
export type RefreshOutcome = {
    ok: true;
    userId: string;
    role: Role;
    sessionId: string;
    refreshToken: string;
} | {
    ok: false;
    code: SessionRefusal | 'refresh_invalid' | 'refresh_reused';
};
/**
 * Rotates a refresh token: the presented one is marked used and a new one issued in the
 * same family (session). Presenting an already-rotated token means two parties hold the
 * family — one of them stole it — so the whole session is revoked and the event audited
 * (OAuth 2.0 Security BCP, RFC 9700 §4.14.2). Refresh does not count as activity: an
 * unattended client refreshing in the background must still be logged off when idle.
 */
export declare function rotateRefreshToken(manager: EntityManager, context: RequestContext, input: {
    practiceId: string;
    refreshToken: string;
    idleTimeoutSeconds: number;
}): Promise<RefreshOutcome>;

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Role } from '@medspa/shared-types';

/** Who is calling, as established by authentication. */
export interface AuthContext {
  userId: string;
  practiceId: string;
  role: Role;
  sessionId: string;
}

/**
 * What services need to know about the request, without seeing req/res
 * (house rule 1, docs/house-rules.md). It feeds every audit event.
 */
export interface RequestContext {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  auth: AuthContext | null;
}

const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
const requestIds = new WeakMap<IncomingMessage, string>();

/**
 * A caller-supplied X-Request-Id is kept when it is plainly an identifier (so traces
 * join up across services); anything else is replaced, so it cannot smuggle text into logs.
 */
export function requestIdOf(req: IncomingMessage): string {
  let id = requestIds.get(req);
  if (id === undefined) {
    const header = req.headers[REQUEST_ID_HEADER];
    id = typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
    requestIds.set(req, id);
  }
  return id;
}

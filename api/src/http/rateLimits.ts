import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Store } from 'express-rate-limit';

const ONE_MINUTE_MS = 60_000;

/**
 * Per-IP fixed-window limit answering 429 in the API's error shape. With several API
 * instances the counters must be shared (`store`, Redis), or each instance would allow the
 * full limit and a client spreading requests over N instances would get N times as many.
 */
export function perMinuteLimit(limit: number, store?: Store): RequestHandler {
  return rateLimit({
    ...(store === undefined ? {} : { store }),
    windowMs: ONE_MINUTE_MS,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({ code: 'rate_limited', message: 'Too many requests, slow down' });
    },
  });
}

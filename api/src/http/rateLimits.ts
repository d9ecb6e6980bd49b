import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';

const ONE_MINUTE_MS = 60_000;

/** Per-IP fixed-window limit answering 429 in the API's error shape. */
export function perMinuteLimit(limit: number): RequestHandler {
  return rateLimit({
    windowMs: ONE_MINUTE_MS,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res.status(429).json({ code: 'rate_limited', message: 'Too many requests, slow down' });
    },
  });
}

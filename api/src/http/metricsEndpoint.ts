import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { HttpMetrics } from './metrics.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function bearerMatches(header: string | undefined, token: string): boolean {
  if (header?.startsWith('Bearer ') !== true) return false;
  const presented = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Serves Prometheus metrics to a scraper holding METRICS_TOKEN, or without a token to
 * loopback clients only (a sidecar on the same host).
 */
export function metricsEndpoint(metrics: HttpMetrics, token: string | undefined) {
  return async (req: Request, res: Response): Promise<void> => {
    const allowed =
      token === undefined ? LOOPBACK.has(req.socket.remoteAddress ?? '') : bearerMatches(req.get('authorization'), token);
    if (!allowed) {
      res.status(403).json({ code: 'forbidden', message: 'Metrics are not available to this client' });
      return;
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  };
}

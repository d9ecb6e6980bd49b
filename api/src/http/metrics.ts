import type { NextFunction, Request, Response } from 'express';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics: process defaults plus request latency by method, route template and
 * status. Labels use the route template (`/v1/users/:userId`), never the concrete URL, so
 * no identifier ends up in a label.
 */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly #duration: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.#duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
  }

  /** Express middleware timing every response. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const stop = this.#duration.startTimer();
    res.on('finish', () => {
      const matched = req.route as { path?: unknown } | undefined;
      const route = matched?.path;
      stop({ method: req.method, route: typeof route === 'string' ? route : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
}

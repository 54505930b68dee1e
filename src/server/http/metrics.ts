/**
 * Prometheus metrics for the HTTP layer. Each app gets its own registry (tests boot several
 * apps in one process); later capabilities register their metrics on the same registry.
 */
import type { NextFunction, Request, Response } from 'express';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { counter, histogram } from '../../core/metrics.js';

/** The metrics every app exposes, and the registry to add more to. */
export interface HttpMetrics {
  registry: Registry;
  middleware: (request: Request, response: Response, next: NextFunction) => void;
}

/** Creates a registry with process metrics and the request counter and histogram. */
export function createHttpMetrics(registry: Registry = new Registry()): HttpMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'vigie_' });
  const requests = counter(registry, {
    name: 'vigie_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
  });
  const duration = histogram(registry, {
    name: 'vigie_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  return {
    registry,
    middleware(request, response, next) {
      const start = process.hrtime.bigint();
      response.on('finish', () => {
        // The matched route pattern (not the raw URL) keeps label cardinality bounded.
        const pattern = request.route?.path as string | undefined;
        const route = (response.locals.route as string | undefined) ?? (pattern ? `${request.baseUrl}${pattern}` : 'unmatched');
        const labels = { method: request.method, route, status: String(response.statusCode) };
        requests.inc(labels);
        duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
      });
      next();
    },
  };
}

/**
 * POST /api/hooks/alertmanager and /api/hooks/grafana: authenticated by the source's own
 * bearer token (never a user token), mounted before /api's JSON parser so Grafana's HMAC is
 * checked over the exact bytes received. Order: token (401), size (413), signature (401),
 * JSON and schema (400 naming the field); only then is anything written.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import { bearerToken } from '../auth/token-authenticator.js';
import { UnauthorizedError, ValidationError } from '../errors.js';
import { parseOrThrow } from '../core/validation.js';
import { alertmanagerPayloadSchema, grafanaPayloadSchema, normalizeNotification, type AlertSource } from './alert-payloads.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyGrafanaSignature } from './grafana-signature.js';
import type { HookTokens, AuthenticatedHook } from './hook-tokens.js';
import type { IncidentMetrics } from './incident-metrics.js';
import type { IncidentService } from './incident-service.js';

/** What the webhook router needs. */
export interface HookRouterDeps {
  hooks: HookTokens;
  service: IncidentService;
  metrics: IncidentMetrics;
  bodyLimit: string;
  /** Runs first on each webhook (the per-address rate limit). */
  limiter?: RequestHandler;
  now?: () => number;
}

const header = (request: Request, name: string) => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** Builds the webhook router (mount at /api/hooks before the /api router). */
export function hookRouter(deps: HookRouterDeps): Router {
  const router = express.Router();
  const schemas: Record<AlertSource, z.ZodType> = { alertmanager: alertmanagerPayloadSchema, grafana: grafanaPayloadSchema };

  const authenticate = (source: AlertSource) => async (request: Request, response: Response, next: NextFunction) => {
    try {
      const token = bearerToken(request.headers.authorization);
      const hook = token ? await deps.hooks.authenticate(source, token) : null;
      if (!hook) {
        deps.metrics.rejected.inc({ source, reason: 'token' });
        next(new UnauthorizedError(`A valid ${source} hook token is required (vigie hooks create ${source} --name …)`));
        return;
      }
      response.locals.hook = hook;
      response.locals.receivedAt = performance.now();
      next();
    } catch (error) {
      next(error);
    }
  };

  const receive = (source: AlertSource) => async (request: Request, response: Response, next: NextFunction) => {
    try {
      const hook = response.locals.hook as AuthenticatedHook;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (source === 'grafana' && hook.secret) {
        const refused = verifyGrafanaSignature(
          hook.secret,
          { signature: header(request, SIGNATURE_HEADER), timestamp: header(request, TIMESTAMP_HEADER) },
          body,
          (deps.now ?? Date.now)(),
        );
        if (refused) {
          deps.metrics.rejected.inc({ source, reason: 'signature' });
          throw new UnauthorizedError(`Invalid Grafana signature: ${refused}`);
        }
      }
      if (!request.is('application/json')) throw new ValidationError('Content-Type must be application/json');
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        deps.metrics.rejected.inc({ source, reason: 'payload' });
        throw new ValidationError('Malformed JSON body');
      }
      let payload;
      try {
        payload = parseOrThrow(schemas[source], json, 'body');
      } catch (error) {
        deps.metrics.rejected.inc({ source, reason: 'payload' });
        throw error;
      }
      const outcomes = await deps.service.receive(
        [normalizeNotification(source, payload as never)],
        { id: hook.id, name: hook.name },
        response.locals.receivedAt as number,
      );
      response.status(200).json({
        incidents: outcomes
          .filter((outcome) => outcome.incident)
          .map((outcome) => ({ id: outcome.incident!.id, status: outcome.incident!.status, transition: outcome.transition })),
      });
    } catch (error) {
      next(error);
    }
  };

  for (const source of ['alertmanager', 'grafana'] as const) {
    const label = (_request: Request, response: Response, next: NextFunction) => {
      // Recorded for the HTTP metrics, as RouteTable does for /api routes.
      response.locals.route = `/api/hooks/${source}`;
      next();
    };
    router.post(
      `/${source}`,
      label,
      deps.limiter ?? ((_request, _response, next) => next()),
      authenticate(source),
      express.raw({ type: () => true, limit: deps.bodyLimit }),
      receive(source),
    );
  }
  return router;
}

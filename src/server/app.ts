/**
 * createApp builds the whole HTTP server from its components without listening, so the
 * composition root and the tests boot the same thing (tests on port 0).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { AuditLog } from '../audit/audit-log.js';
import { DomainEvents } from '../actions/domain-events.js';
import { bearerToken, createTokenAuthenticator, type TokenAuthenticator } from '../auth/token-authenticator.js';
import { NotFoundError, UnauthorizedError, UnsupportedMediaTypeError } from '../errors.js';
import { VERSION } from '../version.js';
import './http/express-augment.js';
import { errorHandler } from './http/error-handler.js';
import { createHttpMetrics } from './http/metrics.js';
import { createLimiter, rateLimit } from './http/rate-limit.js';
import { RouteTable } from './http/route-table.js';
import { healthHandler, type HealthContributor } from './health.js';
import { buildOpenApiDocument, openApiRouter } from './openapi.js';
import { conversationRoutes } from './routes/conversation-routes.js';
import { documentRoutes } from './routes/document-routes.js';
import type { RouteContext } from './routes/route-context.js';
import { searchRoutes } from './routes/search-routes.js';
import { userRoutes } from './routes/user-routes.js';

/** What the app is built from; the composition root and tests provide these. */
export interface AppDeps {
  config: Pick<
    Config,
    'BODY_LIMIT' | 'RATE_LIMIT_TOKEN_PER_MINUTE' | 'RATE_LIMIT_IP_PER_MINUTE' | 'METRICS_TOKEN' | 'TRUST_PROXY' | 'SHUTDOWN_TIMEOUT_MS'
  >;
  database: Database;
  logger: Logger;
  redis?: Redis | undefined;
  audit?: AuditLog;
  events?: DomainEvents;
  authenticator?: TokenAuthenticator;
  healthContributors?: Record<string, HealthContributor>;
}

/** The built application and its parts, for later capabilities to attach to. */
export interface App {
  express: express.Express;
  server: http.Server;
  metrics: Registry;
  context: RouteContext;
  /** Stops accepting, lets in-flight requests finish (bounded), then resolves. */
  close(): Promise<void>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Rejects bodies that are not JSON with 415 (empty bodies pass to validation). */
function requireJson(request: Request, _response: Response, next: NextFunction) {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (BODY_METHODS.has(request.method) && hasBody && !request.is('application/json')) {
    next(new UnsupportedMediaTypeError());
    return;
  }
  next();
}

/** Builds the Express app and HTTP server. */
export function createApp(deps: AppDeps): App {
  const { config, database, logger, redis } = deps;
  const audit = deps.audit ?? new AuditLog(database.sql);
  const events = deps.events ?? new DomainEvents();
  const authenticator = deps.authenticator ?? createTokenAuthenticator(database.prisma);
  const context: RouteContext = { database, audit, events, authenticator };
  const metrics = createHttpMetrics();

  const app = express();
  app.disable('x-powered-by');
  if (config.TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(config.TRUST_PROXY) ? Number(config.TRUST_PROXY) : config.TRUST_PROXY);
  app.use(
    pinoHttp({
      logger,
      genReqId: (request, response) => {
        const incoming = request.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        response.setHeader('X-Request-Id', id);
        return id;
      },
      customProps: (request) => ({ requestId: request.id, userId: (request as Request).principal?.userId }),
      autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
      quietReqLogger: true,
    }),
  );
  app.use((request, _response, next) => {
    request.requestId = String(request.id);
    next();
  });
  app.use(metrics.middleware);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'", 'ws:', 'wss:'] },
      },
    }),
  );

  // Public: health, metrics (optionally behind METRICS_TOKEN), the API document and its UI.
  app.get('/health', healthHandler({ database, redis, version: VERSION, contributors: deps.healthContributors ?? {} }));
  app.get('/metrics', async (request, response, next) => {
    if (config.METRICS_TOKEN && bearerToken(request.headers.authorization) !== config.METRICS_TOKEN) {
      next(new UnauthorizedError('/metrics requires METRICS_TOKEN'));
      return;
    }
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  const ipLimiter = createLimiter('ip', config.RATE_LIMIT_IP_PER_MINUTE, redis);
  const tokenLimiter = createLimiter('token', config.RATE_LIMIT_TOKEN_PER_MINUTE, redis);
  const api = express.Router();
  api.use(rateLimit(ipLimiter, (request) => request.ip ?? 'unknown'));
  api.use(async (request, _response, next) => {
    const token = bearerToken(request.headers.authorization);
    const principal = token ? await authenticator.authenticate(token) : null;
    if (!principal) {
      next(new UnauthorizedError());
      return;
    }
    request.principal = principal;
    next();
  });
  api.use(rateLimit(tokenLimiter, (request) => request.principal?.tokenId ?? null));
  api.use(requireJson);
  api.use(express.json({ limit: config.BODY_LIMIT, strict: false, type: 'application/json' }));

  const routes = new RouteTable(api);
  conversationRoutes(routes, context);
  documentRoutes(routes, context);
  searchRoutes(routes, context);
  userRoutes(routes, context);
  api.use((request, _response, next) => next(new NotFoundError(`Route ${request.method} /api${request.path}`)));
  app.use('/api', api);

  app.use(openApiRouter(buildOpenApiDocument(routes.registry, VERSION)));
  app.use((request, _response, next) => next(new NotFoundError(`Route ${request.method} ${request.path}`)));
  app.use(errorHandler(logger, config.BODY_LIMIT));

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;

  return {
    express: app,
    server,
    metrics: metrics.registry,
    context,
    async close() {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, config.SHUTDOWN_TIMEOUT_MS);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      await audit.flush();
    },
  };
}

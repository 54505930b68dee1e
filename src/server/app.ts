/**
 * createApp builds the whole HTTP server from its components without listening, so the
 * composition root and the tests boot the same thing (tests on port 0).
 */
import type { CoreServices } from '../core/core-services.js';
import type { BuiltCore } from '../core/core-services-builder.js';
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { replaceCapabilities, shippedCapabilities } from '../capabilities.js';
import type { Capability, CapabilityModule } from '../core/capability.js';
import type { AnchorSource } from '../audit/anchor-verify.js';
import { userLocaleOf } from '../actions/users.js';
import { createAccessChanges } from '../auth/access-changes.js';
import { bearerToken, createTokenAuthenticator, type TokenAuthenticator } from '../auth/token-authenticator.js';
import { AppError, NotFoundError, UnauthorizedError, UnsupportedMediaTypeError } from '../errors.js';
import { VERSION } from '../version.js';
import './http/express-augment.js';
import { errorHandler } from './http/error-handler.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { createHttpMetrics } from './http/metrics.js';
import { createLimiter, rateLimit } from './http/rate-limit.js';
import { RouteTable } from './http/route-table.js';
import { healthHandler, type HealthContributor } from './health.js';
import { buildOpenApiDocument, openApiRouter } from './openapi.js';
import { conversationRoutes } from './routes/conversation-routes.js';
import type { RouteContext } from './routes/route-context.js';
import { searchRoutes } from './routes/search-routes.js';
import { userRoutes } from './routes/user-routes.js';
import { consoleRouter } from './realtime/console-assets.js';
import { auditRoutes } from './routes/audit-routes.js';
import { commandRoutes } from './routes/command-routes.js';
import { executionRoutes } from './routes/execution-routes.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import type { McpClientManager } from '../mcp/mcp-client-manager.js';
import { isMcpModule, mcpCapability, type McpOptions } from '../mcp/mcp-module.js';
import type { IncidentOptions, Incidents } from '../incidents/incident-wiring.js';
import { incidentsCapability, isIncidentsModule } from '../incidents/incidents-module.js';

/**
 * What the app is built from: the core, built once by `buildCoreServices` (src/core), and what
 * only HTTP needs. The composition root and the tests provide these.
 */
export interface AppDeps {
  /** The core as `buildCoreServices` built it; the app builds none of it and leaves closing it to its builder. */
  core: BuiltCore;
  /** The audit anchor log and key (src/audit/audit-anchors.ts); verify checks the chain against them. */
  auditAnchors?: AnchorSource;
  /** API-token check; default: the cached authenticator over the database. */
  authenticator?: TokenAuthenticator;
  healthContributors?: Record<string, HealthContributor>;
  /** Folder of the bundled web console served at `/` (default: dist/console). */
  consoleDirectory?: string;
  /** Routers authenticated by request signatures, not bearer tokens (Slack, Discord): mounted before /api, raw bodies intact. */
  signedRouters?: express.Router[];
  /** Shorthand for tests: the MCP capability built with these options replaces the listed one. */
  mcp?: McpOptions;
  /** Shorthand for tests: the incidents capability built with these options replaces the listed one. */
  incidents?: IncidentOptions;
  /** The capability modules to assemble (default: src/capabilities.ts); tests add theirs with one line. */
  capabilities?: Capability[];
}

/** The built application and its parts, for later capabilities to attach to. */
export interface App {
  express: express.Express;
  server: http.Server;
  metrics: Registry;
  context: RouteContext;
  /** Registry, command router and execution pipeline (approvals for the realtime gateway). */
  tools: ToolRuntime;
  /** The core services (as buildCoreServices built them), as handed to the agent and the bots. */
  core: CoreServices;
  /** External MCP servers whose tools join the registry (the MCP module's). */
  mcpClients: McpClientManager;
  /** Alert webhooks, incidents, routing, diagnostics and schedules (the incidents module's). */
  incidents: Incidents;
  /** The capability modules, as built from the core (toolsets, routes, health, metrics, jobs). */
  modules: CapabilityModule[];
  /**
   * Stops accepting, lets in-flight requests finish (at most graceMs, default SHUTDOWN_TIMEOUT_MS), closes the modules' jobs,
   * then resolves; the core (pipeline, audit log, audit index) is closed afterwards by whoever built it (BuiltCore.close).
   */
  close(graceMs?: number): Promise<void>;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Rejects bodies that are not JSON with 415 (empty bodies pass to validation). Multipart
 * passes through: routes that accept uploads parse it, the others answer 415 themselves.
 */
function requireJson(request: Request, _response: Response, next: NextFunction) {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (BODY_METHODS.has(request.method) && hasBody && !request.is('application/json') && !request.is('multipart/form-data')) {
    next(new UnsupportedMediaTypeError());
    return;
  }
  const encoding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (hasBody && encoding !== 'identity') {
    next(
      new AppError('unsupported_media_type', 415, `Content-Encoding ${encoding.slice(0, 40)} is not accepted: send the body uncompressed`),
    );
    return;
  }
  next();
}

/** Builds the Express app and HTTP server. */
export function createApp(deps: AppDeps): App {
  const core = deps.core.services;
  const { config, database, logger, redis, audit, events, knowledge, tools } = core;
  const authenticator = deps.authenticator ?? createTokenAuthenticator(database.prisma);
  const accessChanges = createAccessChanges({ redis, logger });
  accessChanges.onChange((change) => authenticator.forget(change));
  const context: RouteContext = {
    database,
    audit,
    events,
    authenticator,
    accessChanges,
    knowledge,
    agentAdmission: core.agentAdmission,
    ...(deps.auditAnchors ? { auditAnchors: deps.auditAnchors } : {}),
  };
  const metrics = createHttpMetrics(core.metrics);
  // Each capability module is built once, here, from the core: its engines serve its routes and its tools alike.
  const overrides = [...(deps.incidents ? [incidentsCapability(deps.incidents)] : []), ...(deps.mcp ? [mcpCapability(deps.mcp)] : [])];
  const modules = replaceCapabilities(deps.capabilities ?? shippedCapabilities(), overrides).map((capability) => capability.create(core));
  if (!deps.core.ownToolsets) for (const module of modules) if (module.toolset) tools.registry.add(module.toolset);
  const jobs = modules.flatMap((module) => module.jobs ?? []);
  const incidentsModule = modules.find(isIncidentsModule);
  const mcpModule = modules.find(isMcpModule);
  if (!incidentsModule || !mcpModule) throw new Error('the capability list lacks the incidents or the mcp module');
  // The commands table follows run-time toolsets (MCP servers added, removed, tools changed).
  let commandSync = Promise.resolve();
  tools.registry.onChange(() => {
    commandSync = commandSync
      .then(() => tools.registry.syncCommands(database.prisma))
      .catch((error: unknown) => logger.warn({ err: error }, 'commands table sync failed'));
  });
  tools
    .start()
    .then(() => Promise.all(jobs.map((job) => job.start())))
    .catch((error: unknown) => logger.error({ err: error }, 'tool runtime failed to start'));

  const app = express();
  app.disable('x-powered-by');
  if (config.TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(config.TRUST_PROXY) ? Number(config.TRUST_PROXY) : config.TRUST_PROXY);
  app.use(requestLog(logger, new Set(['/health', '/metrics'])));
  app.use(metrics.middleware);
  app.use(securityHeaders());

  const moduleHealth = Object.fromEntries(modules.flatMap((module) => (module.health ? [[module.name, module.health] as const] : [])));
  // Public: health, metrics (optionally behind METRICS_TOKEN), the API document and its UI.
  app.get(
    '/health',
    healthHandler({
      database,
      redis,
      version: VERSION,
      contributors: { tools: () => tools.health(), ...moduleHealth, ...deps.healthContributors },
    }),
  );
  app.get('/metrics', async (request, response, next) => {
    if (config.METRICS_TOKEN && bearerToken(request.headers.authorization) !== config.METRICS_TOKEN) {
      next(new UnauthorizedError('/metrics requires METRICS_TOKEN'));
      return;
    }
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  for (const router of deps.signedRouters ?? []) app.use(router);

  const ipLimiter = createLimiter('ip', config.RATE_LIMIT_IP_PER_MINUTE, redis);
  const tokenLimiter = createLimiter('token', config.RATE_LIMIT_TOKEN_PER_MINUTE, redis);
  // Routers with their own authentication (alert webhooks with their source's token and raw bodies, /mcp with API tokens).
  const mountContext = {
    ipLimit: rateLimit(ipLimiter, (request) => request.ip ?? 'unknown'),
    authenticator,
    allowlist: deps.core.allowlist,
  };
  for (const mount of modules.flatMap((module) => module.mounts ?? [])) {
    if (mount.path) app.use(mount.path, mount.router(mountContext));
    else app.use(mount.router(mountContext));
  }
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
  // Compressed request bodies are not accepted (inflate: false): any Content-Encoding but identity is 415.
  api.use(express.json({ limit: config.BODY_LIMIT, strict: false, type: 'application/json', inflate: false }));

  const routes = new RouteTable(api);
  conversationRoutes(routes, context);
  searchRoutes(routes, context);
  userRoutes(routes, context);
  commandRoutes(routes, tools, (userId) => userLocaleOf(database.prisma, userId));
  executionRoutes(routes, tools);
  auditRoutes(routes, context);
  for (const module of modules) module.routes?.(routes);
  api.use((request, _response, next) => next(new NotFoundError(`Route ${request.method} /api${request.path}`)));
  app.use('/api', api);

  app.use(openApiRouter(() => buildOpenApiDocument(routes.registry, VERSION)));
  app.use(consoleRouter(deps.consoleDirectory));
  app.use((request, _response, next) => next(new NotFoundError(`Route ${request.method} ${request.path}`)));
  app.use(errorHandler(logger, config.BODY_LIMIT));

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;

  return {
    express: app,
    server,
    metrics: metrics.registry,
    context,
    tools,
    core,
    modules,
    mcpClients: mcpModule.clients,
    incidents: incidentsModule.incidents,
    async close(graceMs = config.SHUTDOWN_TIMEOUT_MS) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      // Jobs close in reverse list order: MCP connections first, then schedules, then the tools' engines (the pipeline is the core's).
      for (const job of [...jobs].reverse()) await job.close();
      await commandSync;
      await accessChanges.close();
    },
  };
}

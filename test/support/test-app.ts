/**
 * Boots the real app (createApp) on port 0 over a real database, with an admin token and
 * helpers to mint users, so tests exercise HTTP exactly as clients do.
 */
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { adminBootstrapper, tokenMinter, userCreator } from '../../src/actions/users.js';
import type { Role } from '../../src/auth/roles.js';
import type { Config } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { ModelsStatusProvider } from '../../src/inference/inference-service.js';
import type { Logger } from '../../src/logger.js';
import type { LocalModelRuntime } from '../../src/inference/inference-contract.js';
import { buildCoreServices, type BuiltCore, type CoreConfig, type CoreOptions } from '../../src/core/core-services-builder.js';
import { createApp, type App, type AppDeps } from '../../src/server/app.js';
import { createRealtimeGateway, type GatewayDeps, type RealtimeGateway } from '../../src/server/realtime/gateway.js';

/** Configuration defaults for tests; override per test. */
export const TEST_CONFIG: CoreConfig = {
  BODY_LIMIT: '1mb',
  RATE_LIMIT_TOKEN_PER_MINUTE: 100_000,
  RATE_LIMIT_IP_PER_MINUTE: 100_000,
  METRICS_TOKEN: undefined,
  TRUST_PROXY: undefined,
  SHUTDOWN_TIMEOUT_MS: 2_000,
};

/** A running test app. */
export interface TestApp {
  app: App;
  url: string;
  adminToken: string;
  database: Database;
  /** The realtime gateway, when started with `gateway`. */
  gateway?: RealtimeGateway;
  /** Creates a user with a token of the given role. */
  createUser(role: Role, name?: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

let userCounter = 0;

/**
 * The core as src/main.ts builds it (buildCoreServices), over a test configuration: for tests that
 * call createApp themselves; close it after the app.
 */
export function startTestCore(
  database: Database,
  options: {
    config?: Partial<Config>;
    redis?: Redis | undefined;
    logger?: Logger;
    tools?: CoreOptions['tools'];
    localModel?: LocalModelRuntime | undefined;
    models?: ModelsStatusProvider | undefined;
  } = {},
): BuiltCore {
  return buildCoreServices({
    config: { ...TEST_CONFIG, ...options.config },
    database,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    redis: options.redis,
    ...(options.tools ? { tools: options.tools } : {}),
    inference: { models: options.models, localModel: options.localModel },
  });
}

/** Starts the app on an ephemeral port. */
export async function startTestApp(
  database: Database,
  options: {
    config?: Partial<Config>;
    redis?: Redis;
    logLevel?: string;
    /** Toolsets and pipeline settings (tests register their own mutate/disruptive tools). */
    tools?: CoreOptions['tools'];
    /** Attaches the realtime gateway (with the app's Redis client, if any). */
    gateway?: boolean | Pick<GatewayDeps, 'executions' | 'limits'>;
    /** The gateway decides executions through the app's own pipeline (Approve/Deny over the socket). */
    socketApprovals?: boolean;
    /** Folder of a bundled console to serve at `/` (see scripts/bundle-console.mjs). */
    consoleDirectory?: string;
    /** A loaded local model for the grammar-constrained passes (service drafts, QoS intents). */
    localModel?: LocalModelRuntime;
    /** External MCP server timings (tests shorten the backoff). */
    mcp?: AppDeps['mcp'];
    /** Incident routes and chat credentials (src/incidents). */
    incidents?: AppDeps['incidents'];
    /** The audit anchor log and key that verify checks the chain against. */
    auditAnchors?: AppDeps['auditAnchors'];
    /** Routers mounted before the JSON body parser (chat platforms' signed endpoints). */
    signedRouters?: AppDeps['signedRouters'];
    /** The capability modules (default: the shipped list; see withCapabilities in src/capabilities.ts). */
    capabilities?: AppDeps['capabilities'];
  } = {},
): Promise<TestApp> {
  const logger = pino({ level: options.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent' });
  const core = startTestCore(database, { ...options, logger });
  const app = createApp({
    core,
    ...(options.consoleDirectory ? { consoleDirectory: options.consoleDirectory } : {}),
    ...(options.mcp ? { mcp: options.mcp } : {}),
    ...(options.incidents ? { incidents: options.incidents } : {}),
    ...(options.auditAnchors ? { auditAnchors: options.auditAnchors } : {}),
    ...(options.signedRouters ? { signedRouters: options.signedRouters } : {}),
    ...(options.capabilities ? { capabilities: options.capabilities } : {}),
  });
  const adminToken = `vig_test_admin_${Math.random().toString(36).slice(2)}_${Date.now()}`;
  const gateway = options.gateway
    ? createRealtimeGateway({
        server: app.server,
        context: app.context,
        registry: app.metrics,
        logger,
        redis: options.redis,
        ...(options.socketApprovals ? { executions: app.tools.approvals } : {}),
        ...(typeof options.gateway === 'object' ? options.gateway : {}),
      })
    : undefined;
  await adminBootstrapper(database.prisma, app.context.audit, adminToken);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  const system = { userId: '', userName: 'test', channel: 'system' as const };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    adminToken,
    database,
    ...(gateway ? { gateway } : {}),
    async createUser(role, name) {
      userCounter += 1;
      const user = await userCreator(database.prisma, app.context.audit, system, {
        name: name ?? `user-${role}-${userCounter}-${Math.random().toString(36).slice(2, 8)}`,
        role,
      });
      const { token } = await tokenMinter(database.prisma, app.context.audit, system, user.id, { name: 'test', role });
      return { id: user.id, token };
    },
    async close() {
      await gateway?.close();
      await app.close();
      await core.close();
    },
  };
}

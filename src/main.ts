/**
 * The composition root: reads configuration once, opens the database and Redis, builds the
 * core once (buildCoreServices), the app over it, and listens. Everything is constructed here
 * and injected; nothing below reaches for globals.
 */
import path from 'node:path';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from './config.js';
import { describeRedisTarget, redisTargetFromConfig } from './redis-target.js';
import { databaseOptionsFromConfig, openMigratedDatabase } from './db/database.js';
import { createLogger, type Logger } from './logger.js';
import { adminBootstrapper } from './actions/users.js';
import { createApp, type App } from './server/app.js';
import { buildCoreServices } from './core/core-services-builder.js';
import { Registry } from 'prom-client';
import { createInferenceService } from './inference/inference-service.js';
import { createRealtimeGateway } from './server/realtime/gateway.js';
import { anchorPaths, loadOrCreateAnchorKey } from './audit/anchor-key.js';
import { AuditAnchorWriter } from './audit/audit-anchors.js';
import { anchorMirrorFromConfig } from './audit/anchor-mirror.js';
import { startAgent } from './agents/agent-wiring.js';
import { withCapabilities } from './capabilities.js';
import { incidentsCapability } from './incidents/incidents-module.js';
import { mcpCapability } from './mcp/mcp-module.js';
import { parseChannelAllowlist } from './tools/pipeline/channel-allowlist.js';
import { Router } from 'express';
import type { RunningBots } from './bots/bot-wiring.js';
import { startAdminSocket } from './server/admin-socket.js';
import { createShutdownBudget } from './shutdown-budget.js';
import { loadRoutesFile } from './incidents/incident-routing.js';
import { agentAnalyst } from './incidents/incident-analysis.js';
import { systemPrincipal } from './incidents/incident-service.js';

/** A running node, with the one function that stops it cleanly. */
export interface RunningServer {
  app: App;
  url: string;
  stop(): Promise<void>;
}

/** Starts Vigie from a configuration. */
export async function startServer(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<RunningServer> {
  const started = performance.now();
  // The anchor key is checked before anything opens: a bad AUDIT_ANCHOR_KEY stops start-up with its path and reason.
  const { keyPath, logPath: anchorLogPath } = anchorPaths(config);
  const anchorKey = loadOrCreateAnchorKey(keyPath);
  const databaseOptions = databaseOptionsFromConfig(config);
  if (databaseOptions.backend === 'postgres') {
    databaseOptions.onConnectionError = (error) => logger.warn({ err: error }, 'an idle database connection failed; the pool replaces it');
  }
  const { database, migrations } = await openMigratedDatabase(databaseOptions, config.AUTO_MIGRATE, config.MIGRATION_DATABASE_URL);
  // Issue 15: say so when the runtime could disable the audit trigger (superuser or table owner).
  if (database.backend === 'postgres') {
    const warning = await (await import('./db/runtime-role.js')).runtimeRoleWarning(database.sql).catch(() => null);
    if (warning) logger.warn(warning);
  }
  logger.info(
    { backend: database.backend, applied: migrations?.applied ?? [], modified: migrations?.modified ?? [] },
    database.backend === 'pglite' ? `embedded PGlite database in ${config.dataDir}/pglite` : 'PostgreSQL database',
  );
  if (migrations?.modified.length) logger.warn({ modified: migrations.modified }, 'applied migrations were edited afterwards');

  let redis: Redis | undefined;
  // One Redis target (REDIS_URL, or a master through REDIS_SENTINELS) for every client below (issue #20).
  const redisTarget = redisTargetFromConfig(config);
  // ioredis (≈0.3 s to load) only when Redis is configured (issue 17).
  if (redisTarget) {
    logger.info({ redis: describeRedisTarget(redisTarget) }, 'redis configured');
    redis = await (await import('./redis.js')).connectRedis(redisTarget, logger);
  } else logger.info('REDIS_URL and REDIS_SENTINELS not set: single-node mode (in-memory rate limits)');

  // One model and one embedder per process, shared by the agent, the knowledge base and service search.
  const registry = new Registry();
  const inference = await createInferenceService(config, { logger, registry });
  const localModel = inference.chat ?? undefined;
  // The core, built once here: audit, events, knowledge, the tool pipeline (registry, approvals, durable jobs on BullMQ
  // with REDIS_URL), inference and the metrics registry; the app, the agent and the bots all receive this one.
  const built = buildCoreServices({
    config,
    logger,
    database,
    redis,
    registry,
    embedder: inference.embedding.embedder,
    inference: { models: inference, localModel },
    tools: {
      redisUrl: redisTarget,
      approvalTtlMs: config.APPROVAL_TTL_MS,
      abandonGraceMs: config.EXECUTION_ABANDON_GRACE_MS,
      allowlist: parseChannelAllowlist(config.TOOL_CHANNEL_ALLOWLIST),
    },
  });
  const core = built.services;
  const anchors = new AuditAnchorWriter({
    sql: database.sql,
    key: anchorKey,
    logPath: anchorLogPath,
    every: config.AUDIT_ANCHOR_EVERY,
    intervalMs: config.AUDIT_ANCHOR_INTERVAL_MS,
    logger,
  });
  // Issue 15: each signed anchor line is also copied to AUDIT_ANCHOR_MIRROR_FILE and the AUDIT_ANCHOR_*_CHANNEL chats
  // with the bots' tokens, like the approval cards below; delivery is in the background and never holds up auditing.
  const anchorMirror = anchorMirrorFromConfig(config, { logger, registry });
  if (anchorMirror) {
    anchors.onAnchor(anchorMirror.onAnchor);
    logger.info({ targets: anchorMirror.targetNames }, 'audit anchors mirrored');
  }
  anchors.start(core.audit);
  // Incident routes are validated before anything listens: a typo stops start-up with its field path.
  const incidentRoutes = config.INCIDENT_ROUTES ? await loadRoutesFile(config.INCIDENT_ROUTES) : [];
  // Slack signs raw request bodies: its endpoint is mounted before /api's JSON parsing and token auth.
  const botRouter = Router();
  const app = createApp({
    core: built,
    signedRouters: [botRouter],
    auditAnchors: {
      key: anchorKey,
      logPath: anchorLogPath,
      mirrors: config.AUDIT_ANCHOR_MIRROR_FILE ? [path.resolve(config.AUDIT_ANCHOR_MIRROR_FILE)] : undefined,
    },
    // The capability modules (src/capabilities.ts): toolsets, routes, /health, metrics and jobs, each built once;
    // incidents and MCP with their settings from the configuration.
    capabilities: withCapabilities([
      incidentsCapability({
        routes: incidentRoutes,
        schedules: {
          redisUrl: redisTarget,
          minIntervalMs: config.SCHEDULE_MIN_INTERVAL_MS,
          failThreshold: config.SCHEDULE_FLAP_THRESHOLD,
          recoverThreshold: config.SCHEDULE_RECOVER_THRESHOLD,
          watchdogMs: config.SCHEDULE_WATCHDOG_MS,
        },
        targets: {
          slack: config.SLACK_BOT_TOKEN ? { token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL } : undefined,
          discord: config.DISCORD_TOKEN ? { token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL } : undefined,
        },
      }),
      // MCP (issue 22): task poll interval; approval cards for pending MCP calls where a channel is set.
      mcpCapability({
        taskPollMs: config.MCP_TASK_POLL_MS,
        approvalCards: {
          slack:
            config.SLACK_BOT_TOKEN && config.APPROVALS_SLACK_CHANNEL
              ? { token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, channel: config.APPROVALS_SLACK_CHANNEL }
              : undefined,
          discord:
            config.DISCORD_TOKEN && config.APPROVALS_DISCORD_CHANNEL
              ? {
                  token: config.DISCORD_TOKEN,
                  apiUrl: config.DISCORD_API_URL,
                  channelId: config.APPROVALS_DISCORD_CHANNEL,
                  guildId: config.DISCORD_GUILD_ID,
                }
              : undefined,
        },
      }),
    ]),
    healthContributors: { embedder: () => inference.health() },
  });
  if (config.APPROVALS_SLACK_CHANNEL && !config.SLACK_BOT_TOKEN)
    logger.warn('APPROVALS_SLACK_CHANNEL is set but SLACK_BOT_TOKEN is not: no Slack approval cards for MCP calls');
  if (config.APPROVALS_DISCORD_CHANNEL && !config.DISCORD_TOKEN)
    logger.warn('APPROVALS_DISCORD_CHANNEL is set but DISCORD_TOKEN is not: no Discord approval cards for MCP calls');
  await app.tools.start();
  // Scheduled checks: BullMQ job schedulers with REDIS_URL (once per interval across nodes), in-process timers embedded.
  await app.incidents.schedules.start();
  const agent = await startAgent(core, config, logger, localModel);
  // With a model, new incidents get a short analysis (alert text fenced as untrusted; proposals wait for approval).
  app.incidents.service.setAnalyst(agentAnalyst(agent.agent, systemPrincipal(database.prisma)));
  // discord.js and Bolt take seconds to load: only when a chat platform is configured.
  const bots: RunningBots =
    config.SLACK_BOT_TOKEN || config.DISCORD_PUBLIC_KEY || config.DISCORD_TOKEN
      ? (await import('./bots/bot-wiring.js')).startBots({
          config,
          core,
          incidents: app.incidents.service,
          agent: agent.agent,
          router: botRouter,
          redis,
          logger,
        })
      : {};
  if (!bots.slack && !bots.discord && !bots.discordGateway)
    logger.info('slack and discord disabled: no SLACK_BOT_TOKEN, DISCORD_PUBLIC_KEY or DISCORD_TOKEN');
  // Realtime gateway on the same HTTP server (Redis adapter with REDIS_URL, else single-node mode).
  const gateway = createRealtimeGateway({
    server: app.server,
    context: app.context,
    registry: app.metrics,
    logger,
    redis,
    executions: app.tools.approvals,
    limits: { eventsPerMinute: config.SOCKET_EVENTS_PER_MINUTE, maxPayloadBytes: config.SOCKET_MAX_PAYLOAD_BYTES },
  });
  const bootstrap = await adminBootstrapper(database.prisma, core.audit, config.ADMIN_TOKEN);
  if (bootstrap.token) {
    // Printed once, on the very first start, so the operator can log in; never logged again.
    process.stdout.write(`\n  Vigie created the admin user. Its API token (shown once, keep it safe):\n\n    ${bootstrap.token}\n\n`);
  } else if (bootstrap.created) {
    logger.info('admin user created with ADMIN_TOKEN');
  }

  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(config.PORT, config.HOST, () => resolve());
  });
  // Embedded database: the CLI's admin commands reach it through this socket while the server runs.
  const adminSocket =
    database.backend === 'pglite'
      ? await startAdminSocket({
          dataDir: config.dataDir,
          database,
          audit: core.audit,
          logger,
          accessChanges: app.context.accessChanges,
        })
      : undefined;
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  logger.info({ url, startupMs: Math.round(performance.now() - started) }, `Vigie listening on ${url} (docs at ${url}/docs)`);

  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop() {
      stopping ??= (async () => {
        // One budget (SHUTDOWN_TIMEOUT_MS) for every drain in turn; see shutdown-budget.ts.
        const budget = createShutdownBudget(config.SHUTDOWN_TIMEOUT_MS);
        logger.info({ budgetMs: budget.totalMs }, 'shutting down');
        agent.detach();
        // Hands the Discord gateway lease to another node at once instead of after its expiry.
        await budget.bound(bots.discordGateway?.stop());
        // Same for the Slack Socket Mode lease; its acked jobs drain within what is left.
        await bots.slack?.stop(budget.remainingMs());
        await budget.bound(gateway.close());
        await app.close(budget.remainingMs());
        // The pipeline, the audit log and its index drain after the app's jobs closed.
        await built.close();
        await adminSocket?.close();
        await inference.dispose();
        await anchors.stop();
        // The last anchor (written by stop) gets to the mirrors within what is left of the budget.
        await anchorMirror?.close(budget.remainingMs());
        if (redis) await redis.quit().catch(() => redis?.disconnect());
        await database.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** `vigie start`: starts and stops cleanly on SIGTERM/SIGINT. */
export async function runServer(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const running = await startServer(config, logger);
  const onSignal = (signal: string) => {
    logger.info({ signal }, 'signal received');
    // The same budget as the drains: a dependency that never answers (a dead database or Redis) must not keep the process alive.
    setTimeout(() => {
      logger.error(`shutdown did not finish within SHUTDOWN_TIMEOUT_MS (${config.SHUTDOWN_TIMEOUT_MS} ms); exiting`);
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

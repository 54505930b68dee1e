/**
 * Everything a node needs to run tools, built in one place: the registry, the command
 * router and the execution pipeline with its job queue. The composition root builds one
 * and hands it to the HTTP routes, the agent, the realtime gateway and the bots.
 */
import type { Registry } from 'prom-client';
import type { DomainEvents } from '../../actions/domain-events.js';
import { CommandRouter } from './command-router.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { Database } from '../../db/database.js';
import type { Logger } from '../../logger.js';
import type { Toolset } from '../tool-contract.js';
import { ToolRegistry } from '../tool-registry.js';
import { DeferredBullMqJobQueue } from './deferred-bullmq-job-queue.js';
import type { ChannelAllowlist } from './channel-allowlist.js';
import { ExecutionService, type ApprovalHandler } from './execution-service.js';
import type { Locale } from '../../contracts/i18n.js';
import { InProcessJobQueue, type ExecutionJobQueue } from './job-queue.js';
import type { RedisTarget } from '../../redis-target.js';

/** The tool side of a node. */
export interface ToolRuntime {
  registry: ToolRegistry;
  router: CommandRouter;
  executions: ExecutionService;
  /** `{approve, deny}` for the realtime gateway's execution:approve / execution:deny. */
  approvals: ApprovalHandler;
  /** Checks prerequisites, syncs the commands table, starts the job worker. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** /health section: each toolset's prerequisite status. */
  health(): Record<string, unknown>;
}

/** Inputs of createToolRuntime. */
export interface ToolRuntimeOptions {
  toolsets: Toolset[];
  database: Database;
  audit: AuditLog;
  logger: Logger;
  events?: DomainEvents | undefined;
  /** Redis for durable jobs on BullMQ (a URL or a Sentinel target); absent: in-process queue. */
  redisUrl?: RedisTarget | undefined;
  jobs?: ExecutionJobQueue | undefined;
  approvalTtlMs?: number | undefined;
  /** Grace after a tool's timeout before a `running` execution is failed as abandoned. */
  abandonGraceMs?: number | undefined;
  /** Age of a durable `queued` row before it is put back in the queue (Redis lost it). */
  requeueAfterMs?: number | undefined;
  allowlist?: ChannelAllowlist | undefined;
  metrics?: Registry | undefined;
  now?: () => Date;
  /** DEFAULT_LOCALE: the language of views when the requester's is unknown. */
  defaultLocale?: Locale | undefined;
}

/** Builds the registry, router and pipeline (nothing runs until start()). */
export function createToolRuntime(options: ToolRuntimeOptions): ToolRuntime {
  const registry = new ToolRegistry(options.toolsets);
  const jobs = options.jobs ?? (options.redisUrl ? new DeferredBullMqJobQueue(options.redisUrl, options.logger) : new InProcessJobQueue());
  const executions = new ExecutionService({
    prisma: options.database.prisma,
    sql: options.database.sql,
    audit: options.audit,
    registry,
    logger: options.logger,
    events: options.events,
    jobs,
    approvalTtlMs: options.approvalTtlMs,
    abandonGraceMs: options.abandonGraceMs,
    requeueAfterMs: options.requeueAfterMs,
    allowlist: options.allowlist,
    metrics: options.metrics,
    defaultLocale: options.defaultLocale,
    ...(options.now ? { now: options.now } : {}),
  });
  let started: Promise<void> | undefined;
  return {
    registry,
    router: new CommandRouter(registry),
    executions,
    approvals: {
      approve: (principal, executionId, channel) => executions.approve(principal, executionId, channel),
      deny: (principal, executionId, channel, reason) => executions.deny(principal, executionId, channel, reason),
    },
    start() {
      started ??= (async () => {
        const statuses = await registry.refreshStatus();
        for (const status of statuses) {
          if (status.ok) options.logger.info({ toolset: status.name }, `toolset ${status.name} available`);
          else
            options.logger.warn(
              { toolset: status.name, detail: status.detail },
              `toolset ${status.name} unavailable: ${status.detail ?? 'prerequisites not met'}`,
            );
        }
        await registry.syncCommands(options.database.prisma);
        await executions.start();
      })();
      return started;
    },
    async close() {
      await started?.catch(() => undefined);
      await executions.close();
    },
    health() {
      const toolsets = registry.status();
      return {
        status: toolsets.every((toolset) => toolset.ok) ? 'ok' : 'degraded',
        jobs: jobs.kind,
        toolsets: Object.fromEntries(
          toolsets.map((toolset) => [toolset.name, { ok: toolset.ok, ...(toolset.detail ? { detail: toolset.detail } : {}) }]),
        ),
      };
    },
  };
}

/**
 * Builds the incidents capability from the app's parts: token store, incident store,
 * routing table, threads, diagnostics, schedules and the service; the incidents capability
 * (incidents-module.ts) contributes its webhook router, API routes, tool and jobs.
 */
import type { RequestHandler, Router } from 'express';
import type { Metric, Registry } from 'prom-client';
import type { DomainEvents } from '../actions/domain-events.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { RedisTarget } from '../redis-target.js';
import type { RouteRegistrar } from '../core/route-declarations.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import { hookRouter } from './hook-router.js';
import { HookTokens } from './hook-tokens.js';
import { IncidentDiagnostics } from './incident-diagnostics.js';
import { incidentMetricList, incidentMetrics } from './incident-metrics.js';
import { incidentRoutes } from './incident-routes.js';
import { IncidentRouting, type CompiledRoute } from './incident-routing.js';
import { IncidentService, systemPrincipal } from './incident-service.js';
import { IncidentStore } from './incident-store.js';
import { IncidentThreads, type ThreadTargets } from './incident-threads.js';
import { hostname } from 'node:os';
import { DeferredBullMqScheduleTimers } from './deferred-bullmq-schedule-timers.js';
import { scheduleMetrics } from './schedule-metrics.js';
import { scheduleRoutes } from './schedule-routes.js';
import { ScheduleService, type ScheduleSettings } from './schedule-service.js';
import { ScheduleStore } from './schedule-store.js';
import { InProcessScheduleTimers, type ScheduleTimers } from './schedule-timers.js';

/** Options of the capability (from configuration in main.ts, from tests directly). */
export interface IncidentOptions {
  /** The routing table (INCIDENT_ROUTES, already validated); empty: console only. */
  routes?: CompiledRoute[];
  /** Slack and Discord credentials for posting threads. */
  targets?: ThreadTargets;
  /** Longest wait for a durable diagnostic (default 60 s). */
  diagnosticWaitMs?: number;
  /** Scheduled checks: settings, and Redis for BullMQ job schedulers (absent: in-process timers). */
  schedules?: Partial<ScheduleSettings> & {
    redisUrl?: RedisTarget | undefined;
    redisPrefix?: string | undefined;
    lockMs?: number | undefined;
    timers?: ScheduleTimers;
  };
}

/** The running capability. */
export interface Incidents {
  hooks: HookTokens;
  store: IncidentStore;
  service: IncidentService;
  routing: IncidentRouting;
  /** Scheduled checks (start() arms them; main.ts and the tests that need them call it). */
  schedules: ScheduleService;
  scheduleStore: ScheduleStore;
  /** Webhooks (behind `limiter`, the per-address rate limit); mounted at /api/hooks before the /api router. */
  webhooks(limiter?: RequestHandler): Router;
  /** Registers the /api routes. */
  register(routes: RouteRegistrar): void;
  /** The metrics it registered (incidents and schedules), for the module's `metrics` list. */
  metrics: readonly Metric[];
}

/** Builds the incidents capability. */
export function createIncidents(deps: {
  database: Database;
  audit: AuditLog;
  events?: DomainEvents;
  logger: Logger;
  registry: Registry;
  /** The pipeline, read at run time (the CLI builds the module without one). */ tools: () => ToolRuntime;
  bodyLimit: string;
  options?: IncidentOptions | undefined;
}): Incidents {
  const { database, logger } = deps;
  const metrics = incidentMetrics(deps.registry, (error) => logger.warn({ err: error }, 'vigie_incidents: counting incidents failed'));
  const system = systemPrincipal(database.prisma);
  const hooks = new HookTokens(database.prisma, deps.audit);
  const store = new IncidentStore(database.sql, database.prisma);
  metrics.countCurrent(() => store.countsByState());
  const routing = new IncidentRouting(deps.options?.routes ?? []);
  const threads = new IncidentThreads({
    prisma: database.prisma,
    events: deps.events,
    store,
    targets: deps.options?.targets ?? {},
    logger,
    system,
  });
  const diagnostics = new IncidentDiagnostics({
    get tools() {
      return deps.tools();
    },
    logger,
    system,
    ...(deps.options?.diagnosticWaitMs ? { waitMs: deps.options.diagnosticWaitMs } : {}),
    onDuration: (tool, seconds) => metrics.diagnostics.observe({ tool }, seconds),
  });
  const service = new IncidentService({ store, routing, threads, diagnostics, audit: deps.audit, metrics, logger });
  const scheduleOptions = deps.options?.schedules ?? {};
  const scheduleStore = new ScheduleStore(database.sql);
  const schedulesMetrics = scheduleMetrics(deps.registry);
  const timers =
    scheduleOptions.timers ??
    (scheduleOptions.redisUrl
      ? new DeferredBullMqScheduleTimers(
          { redisUrl: scheduleOptions.redisUrl, prefix: scheduleOptions.redisPrefix, lockMs: scheduleOptions.lockMs },
          logger,
        )
      : new InProcessScheduleTimers((error, scheduleId) => logger.error({ err: error, scheduleId }, 'scheduled check failed')));
  const schedules = new ScheduleService({
    store: scheduleStore,
    timers,
    get tools() {
      return deps.tools();
    },
    incidents: service,
    audit: deps.audit,
    metrics: schedulesMetrics,
    logger,
    system: systemPrincipal(database.prisma, 'system:schedules'),
    settings: {
      minIntervalMs: scheduleOptions.minIntervalMs ?? 10_000,
      failThreshold: scheduleOptions.failThreshold ?? 2,
      recoverThreshold: scheduleOptions.recoverThreshold ?? 2,
      watchdogMs: scheduleOptions.watchdogMs ?? 30_000,
      node: scheduleOptions.node ?? `${hostname()}:${process.pid}`,
    },
  });
  return {
    hooks,
    store,
    service,
    routing,
    schedules,
    scheduleStore,
    webhooks: (limiter) => hookRouter({ hooks, service, metrics, bodyLimit: deps.bodyLimit, ...(limiter ? { limiter } : {}) }),
    register: (routes) => {
      incidentRoutes(routes, { hooks, store, service, routing });
      scheduleRoutes(routes, { service: schedules, store: scheduleStore });
    },
    metrics: [...incidentMetricList(metrics), ...Object.values(schedulesMetrics)],
  };
}

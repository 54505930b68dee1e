/**
 * The one place the core is constructed (issue #19): audit log, domain events, knowledge base,
 * tool pipeline, inference, metrics registry and agent admission, from the configuration, the
 * logger, the database and Redis. `src/main.ts` calls it once; the tests, the benches and
 * `vigie agent eval` call it too, so every process runs the same core. `createApp` receives
 * what it builds and constructs none of it.
 */
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { DomainEvents } from '../actions/domain-events.js';
import { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Embedder, LocalModelRuntime } from '../inference/inference-contract.js';
import type { ModelsStatusProvider } from '../inference/inference-service.js';
import { createLexicalEmbedder } from '../inference/lexical-embedder.js';
import { StructuredGenerator } from '../inference/structured-generation.js';
import { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Logger } from '../logger.js';
import type { ChannelAllowlist } from '../tools/pipeline/channel-allowlist.js';
import { createToolRuntime, type ToolRuntimeOptions } from '../tools/pipeline/tool-runtime.js';
import { AgentAdmission } from './agent-admission.js';
import type { CoreServices } from './core-services.js';

/** The configuration keys the core and the HTTP layer read for sure; the rest take their defaults (tests pass only these). */
export type CoreConfig = Pick<
  Config,
  'BODY_LIMIT' | 'RATE_LIMIT_TOKEN_PER_MINUTE' | 'RATE_LIMIT_IP_PER_MINUTE' | 'METRICS_TOKEN' | 'TRUST_PROXY' | 'SHUTDOWN_TIMEOUT_MS'
> &
  Partial<Config>;

/** Pipeline settings; `toolsets` replaces the capability modules' toolsets (tests with their own tools). */
export type CoreToolOptions = Partial<
  Pick<ToolRuntimeOptions, 'toolsets' | 'redisUrl' | 'jobs' | 'approvalTtlMs' | 'abandonGraceMs' | 'requeueAfterMs' | 'allowlist' | 'now'>
>;

/** What the core is built from. */
export interface CoreOptions {
  config: CoreConfig;
  logger: Logger;
  database: Database;
  redis?: Redis | undefined;
  /** The process's Prometheus registry, when components built before the core (inference) registered on it; default: a new one. */
  registry?: Registry | undefined;
  /** The process's embedder (knowledge base, audit search); default: the built-in lexical one. */
  embedder?: Embedder | undefined;
  /** Local inference: GET /api/models' status and the shared local model (the structured generator is built over it). */
  inference?: { models?: ModelsStatusProvider | undefined; localModel?: LocalModelRuntime | undefined };
  tools?: CoreToolOptions | undefined;
}

/** The built core, with what its builder knows and the one function that drains it. */
export interface BuiltCore {
  /** The services handed to createApp, the agent, the bots and the capability modules. */
  services: CoreServices;
  /** True when the caller gave its own toolsets: they replace the modules' toolsets (createApp registers none). */
  ownToolsets: boolean;
  /** The channel allowlist the pipeline enforces (also given to the modules' own mounts, such as /mcp). */
  allowlist: ChannelAllowlist | undefined;
  /** Drains the pipeline, the audit log and the audit index; call it after the app (and its jobs) closed. */
  close(): Promise<void>;
}

/** Builds the core once; nothing runs until the pipeline is started (createApp starts it with the modules' jobs). */
export function buildCoreServices(options: CoreOptions): BuiltCore {
  const { config, logger, database, redis } = options;
  const metrics = options.registry ?? new Registry();
  const audit = new AuditLog(database.sql, undefined, logger);
  const events = new DomainEvents();
  const knowledge = new KnowledgeBase(database, options.embedder ?? createLexicalEmbedder(), { logger });
  // Every audit record is also indexed for audit search.
  const stopIndexingAudit = audit.onAppend((record) => knowledge.auditIndex.enqueue(record));
  const settings = options.tools ?? {};
  const tools = createToolRuntime({
    // Given toolsets (tests) replace the modules' toolsets; otherwise createApp adds each module's.
    toolsets: settings.toolsets ?? [],
    database,
    audit,
    events,
    logger,
    metrics,
    redisUrl: settings.redisUrl,
    jobs: settings.jobs,
    approvalTtlMs: settings.approvalTtlMs,
    abandonGraceMs: settings.abandonGraceMs,
    requeueAfterMs: settings.requeueAfterMs,
    allowlist: settings.allowlist,
    defaultLocale: config.DEFAULT_LOCALE,
    ...(settings.now ? { now: settings.now } : {}),
  });
  const localModel = options.inference?.localModel;
  const services: CoreServices = {
    // Settings readers take their defaults for the keys a test configuration leaves out.
    config: config as Config,
    logger,
    database,
    redis,
    audit,
    events,
    metrics,
    tools,
    agentAdmission: new AgentAdmission(),
    knowledge,
    inference: {
      models: options.inference?.models,
      localModel,
      // One structured generator (one grammar cache) for every grammar-constrained pass: service drafts, QoS intents.
      structured: localModel ? new StructuredGenerator(localModel, metrics) : undefined,
    },
    toolsetStatus: () => tools.registry.status(),
  };
  return {
    services,
    ownToolsets: settings.toolsets !== undefined,
    allowlist: settings.allowlist,
    async close() {
      await tools.close();
      await audit.flush();
      stopIndexingAudit();
      await knowledge.auditIndex.flush();
    },
  };
}

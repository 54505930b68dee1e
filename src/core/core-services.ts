/**
 * The services the composition root builds once and hands to the agent, the bots and the
 * capability modules: they receive these, never the HTTP server's App (no grab-bag, no
 * import of src/server from the agent, the bots or a capability).
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DomainEvents } from '../actions/domain-events.js';
import type { AgentAdmission } from './agent-admission.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { LocalModelRuntime } from '../inference/inference-contract.js';
import type { ModelsStatusProvider } from '../inference/inference-service.js';
import type { StructuredGenerator } from '../inference/structured-generation.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Logger } from '../logger.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';
import type { ToolsetStatus } from '../tools/tool-registry.js';

/** Local inference as the capabilities see it (all absent without LLM_MODEL). */
export interface InferenceServices {
  /** GET /api/models and its metrics; absent: backend `none`. */
  models?: ModelsStatusProvider | undefined;
  /** The shared local model, for grammar-constrained passes (service drafts, QoS intents). */
  localModel?: LocalModelRuntime | undefined;
  /** The one structured generator of the local model (one grammar cache for REST, tools and CLI). */
  structured?: StructuredGenerator | undefined;
}

/** What every consumer of the core may use. */
export interface CoreServices {
  /** The configuration (read once; settings readers take defaults for keys a test leaves out). */
  config: Config;
  logger: Logger;
  database: Database;
  /** The Redis client, when REDIS_URL or REDIS_SENTINELS is set. */
  redis?: Redis | undefined;
  audit: AuditLog;
  events: DomainEvents;
  /** The process's Prometheus registry (served at /metrics); register with src/core/metrics.ts. */
  metrics: Registry;
  /** Registry, command router and execution pipeline (every channel's tool calls go through it). */
  tools: ToolRuntime;
  /** Whether this node's agent accepts another turn (REST answers 503 busy when it does not). */
  agentAdmission: AgentAdmission;
  /** Each toolset's last prerequisite check (system_status, /health). */
  toolsetStatus(): ToolsetStatus[];
  /** The knowledge base (documents, audit index) and the process's embedder behind it. */
  knowledge: KnowledgeBase;
  inference: InferenceServices;
}

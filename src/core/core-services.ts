/**
 * The services the composition root builds once and hands to the agent, the bots and the
 * capabilities: they receive these, never the HTTP server's App (no grab-bag, no import of
 * src/server from the agent or the bots).
 */
import type { Registry } from 'prom-client';
import type { DomainEvents } from '../actions/domain-events.js';
import type { AgentAdmission } from '../agents/agent-admission.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import type { ToolRuntime } from '../tools/pipeline/tool-runtime.js';

/** What every consumer of the core may use. */
export interface CoreServices {
  database: Database;
  audit: AuditLog;
  events: DomainEvents;
  /** The process's Prometheus registry (served at /metrics). */
  metrics: Registry;
  /** Registry, command router and execution pipeline. */
  tools: ToolRuntime;
  /** Whether this node's agent accepts another turn (REST answers 503 busy when it does not). */
  agentAdmission: AgentAdmission;
}

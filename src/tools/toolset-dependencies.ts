/**
 * What a toolset may depend on, in its own file so toolsets never import the registry that
 * lists them (no import cycle between the list and its entries).
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { DomainEvents } from '../actions/domain-events.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Embedder, LocalModelRuntime } from '../inference/inference-contract.js';
import type { ToolsetStatus } from './tool-registry.js';

/** What toolsets may depend on; the composition root provides it. */
export interface ToolsetDependencies {
  config: Config;
  database: Database;
  logger: Logger;
  audit: AuditLog;
  events: DomainEvents;
  /** The process's embedder (service search vectors); default: the built-in lexical one. */
  embedder?: Embedder;
  /** The shared local model (LLM_MODEL), for grammar-constrained passes (service drafts, QoS intents); absent without one. */
  localModel?: LocalModelRuntime;
  /** The knowledge base behind `knowledge_search` (the same one the REST API uses). */
  knowledge?: KnowledgeBase;
  /** The registry's last prerequisite check, for `system_status` (set once the registry exists). */
  toolsetStatus?: () => ToolsetStatus[];
}

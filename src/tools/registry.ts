/**
 * The explicit list of toolsets Vigie ships (no auto-discovery): adding a toolset means
 * adding one line here. The registry and the execution pipeline are built from this list.
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { DomainEvents } from '../actions/domain-events.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { KnowledgeBase } from '../knowledge/knowledge-base.js';
import type { Embedder, LocalModelRuntime } from '../inference/inference-contract.js';
import type { Toolset } from './tool-contract.js';
import { coreToolset } from './core/core-toolset.js';
import { networkToolset } from './network/network-toolset.js';
import { dedupToolset } from './dedup/dedup-toolset.js';
import { qosToolsetFor } from './qos/qos-toolset.js';
import { servicesToolset } from './services/services-toolset.js';
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

/** Every toolset, in the order help and the catalog list them. */
export function createToolsets(dependencies: ToolsetDependencies): Toolset[] {
  return [
    coreToolset(dependencies.database, () => dependencies.toolsetStatus?.() ?? [], dependencies.knowledge),
    networkToolset(dependencies),
    dedupToolset(dependencies),
    qosToolsetFor(dependencies),
    servicesToolset(dependencies),
    // Each capability adds its toolset here, e.g. `networkToolset(dependencies)`.
  ];
}

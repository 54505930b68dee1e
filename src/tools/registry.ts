/**
 * The explicit list of toolsets Vigie ships (no auto-discovery): adding a toolset means
 * adding one line here. The registry and the execution pipeline are built from this list.
 */
import type { AuditLog } from '../audit/audit-log.js';
import type { DomainEvents } from '../actions/domain-events.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Toolset } from './tool-contract.js';

/** What toolsets may depend on; the composition root provides it. */
export interface ToolsetDependencies {
  config: Config;
  database: Database;
  logger: Logger;
  audit: AuditLog;
  events: DomainEvents;
}

/** Every toolset, in the order help and the catalog list them. */
export function createToolsets(_dependencies: ToolsetDependencies): Toolset[] {
  return [
    // Each capability adds its toolset here, e.g. `networkToolset(dependencies)`.
  ];
}

/**
 * The production tool registry for tests that run the shipped tools on a pipeline of their
 * own: the toolsets of the capability list (src/capabilities.ts), each capability built over a
 * core that has no pipeline or agent. Test code only: Vigie's processes build their core with
 * buildCoreServices (src/core/core-services-builder.ts).
 */
import { Registry } from 'prom-client';
import { shippedCapabilities } from '../../src/capabilities.js';
import type { Capability } from '../../src/core/capability.js';
import type { CoreServices } from '../../src/core/core-services.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import type { Toolset } from '../../src/tools/tool-contract.js';
import type { ToolsetDependencies } from '../../src/tools/toolset-dependencies.js';

export type { ToolsetDependencies } from '../../src/tools/toolset-dependencies.js';

function unavailable(what: string): never {
  throw new Error(`${what} is not available to a standalone toolset list (only the server builds it)`);
}

/** A core for building capabilities outside the server: no pipeline, no agent, a private metrics registry. */
export function standaloneCore(dependencies: ToolsetDependencies): CoreServices {
  const knowledge =
    dependencies.knowledge ??
    new KnowledgeBase(dependencies.database, dependencies.embedder ?? createLexicalEmbedder(), { logger: dependencies.logger });
  return {
    config: dependencies.config,
    logger: dependencies.logger,
    database: dependencies.database,
    audit: dependencies.audit,
    events: dependencies.events,
    metrics: new Registry(),
    knowledge,
    inference: { localModel: dependencies.localModel },
    toolsetStatus: () => dependencies.toolsetStatus?.() ?? [],
    get tools(): never {
      return unavailable('The tool pipeline');
    },
    get agentAdmission(): never {
      return unavailable('The agent');
    },
  };
}

/** Every shipped toolset, in the order help and the catalog list them. */
export function createToolsets(dependencies: ToolsetDependencies, capabilities: Capability[] = shippedCapabilities()): Toolset[] {
  const core = standaloneCore(dependencies);
  return capabilities.flatMap((capability) => capability.create(core).toolset ?? []);
}

/**
 * The core capability: Vigie itself — the core tools (system_status, audit_trail,
 * knowledge_search), GET /api/models and `vigie models …`.
 */
import { defineCapability, type Capability } from '../../core/capability.js';
import { coreToolset } from './core-toolset.js';
import { registerModelCommands } from './model-commands.js';
import { modelRoutes } from './model-routes.js';

/** The core capability. */
export function coreCapability(): Capability {
  return defineCapability({
    name: 'core',
    cliCommands: registerModelCommands,
    create(core) {
      return {
        name: 'core',
        toolset: coreToolset(core.database, () => core.toolsetStatus(), core.knowledge),
        routes: (routes) => modelRoutes(routes, core.inference.models, core.metrics),
      };
    },
  });
}

/**
 * The dedup capability: the dedup_* tools, /api/dedup routes and `vigie dedup …`, over one
 * store configuration (DEDUP_DIR or DATA_DIR) and one set of dedup metrics.
 */
import { defineCapability, type Capability } from '../../core/capability.js';
import { registerDedupCommands } from './dedup-commands.js';
import { createDedupMetrics } from './dedup-metrics.js';
import { dedupRoutes } from './dedup-routes.js';
import { dedupSettingsFromConfig } from './dedup-settings.js';
import { dedupToolset } from './dedup-toolset.js';

/** The dedup capability. */
export function dedupCapability(): Capability {
  return defineCapability({
    name: 'dedup',
    cliCommands: registerDedupCommands,
    create(core) {
      const settings = dedupSettingsFromConfig(core.config);
      return {
        name: 'dedup',
        toolset: dedupToolset(core, settings ?? undefined),
        routes: (routes) => dedupRoutes(routes, core, { settings, registry: core.metrics, logger: core.logger }),
        metrics: Object.values(createDedupMetrics(core.metrics)),
      };
    },
  });
}

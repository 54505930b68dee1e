/**
 * The services capability: one ServiceEngine per process (one semantic cache: a catalog write
 * through REST or chat clears it for both) and one draft pass on the shared local model,
 * behind the services_* tools, /api/services and `vigie services …`.
 */
import { defineCapability, type Capability } from '../../core/capability.js';
import { draftModelFor } from './draft-model.js';
import { registerServiceCommands } from './service-commands.js';
import { ServiceEngine } from './service-engine.js';
import { serviceRoutes } from './service-routes.js';
import { servicesToolset } from './services-toolset.js';

/** What tests may replace (an engine they seeded). */
export interface ServicesCapabilityOptions {
  engine?: ServiceEngine;
}

/** The services capability. */
export function servicesCapability(options: ServicesCapabilityOptions = {}): Capability {
  return defineCapability({
    name: 'services',
    cliCommands: registerServiceCommands,
    create(core) {
      const engine =
        options.engine ?? new ServiceEngine({ sql: core.database.sql, embedder: core.knowledge.embedder, registry: core.metrics });
      if (options.engine) engine.attachMetrics(core.metrics);
      const draftModel = draftModelFor(core.inference.structured ?? core.inference.localModel, core.config, core.metrics);
      return {
        name: 'services',
        toolset: servicesToolset({ database: core.database, embedder: core.knowledge.embedder, config: core.config }, engine, draftModel),
        routes: (routes) => serviceRoutes(routes, core, { engine, draftModel }),
        metrics: engine.metrics,
      };
    },
  });
}

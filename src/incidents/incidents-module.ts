/**
 * The incidents capability: alert webhooks (/api/hooks, own tokens, raw bodies), incidents
 * and scheduled checks under /api, the `schedule … every 5m` chat tool, and the schedules'
 * timers as a job. Its options (routing table, chat targets, schedule settings) come from
 * the composition root, which validates the routing file before anything listens.
 */
import { defineCapability, type Capability, type CapabilityModule } from '../core/capability.js';
import { createIncidents, type IncidentOptions, type Incidents } from './incident-wiring.js';
import { scheduleToolset } from './schedule-toolset.js';

/** The built incidents module: the contract, plus the running parts (bots, tests and main.ts reach the service). */
export interface IncidentsModule extends CapabilityModule {
  incidents: Incidents;
}

/** Whether a built module is the incidents one (createApp exposes it as `App.incidents`). */
export function isIncidentsModule(module: CapabilityModule): module is IncidentsModule {
  return module.name === 'incidents' && 'incidents' in module;
}

/** The incidents capability, with its options (none: console only, in-process timers). */
export function incidentsCapability(options: IncidentOptions = {}): Capability {
  return defineCapability({
    name: 'incidents',
    create(core): IncidentsModule {
      const incidents = createIncidents({
        database: core.database,
        audit: core.audit,
        events: core.events,
        logger: core.logger,
        registry: core.metrics,
        // Read at run time: tests list the shipped toolsets over a core without a pipeline (test/support/production-toolsets.ts).
        tools: () => core.tools,
        bodyLimit: core.config.BODY_LIMIT,
        options,
      });
      return {
        name: 'incidents',
        incidents,
        toolset: scheduleToolset(() => incidents.schedules),
        routes: (routes) => incidents.register(routes),
        mounts: [{ path: '/api/hooks', router: ({ ipLimit }) => incidents.webhooks(ipLimit) }],
        metrics: incidents.metrics,
        jobs: [
          {
            name: 'schedules',
            // Armed by main.ts, awaited before listening (a Redis failure stops start-up); tests arm theirs.
            async start() {},
            async close() {
              await incidents.schedules.close();
              await incidents.service.idle();
            },
          },
        ],
      };
    },
  });
}

/**
 * The QoS capability: one engine per process (one lock per interface, one set of
 * confirm-or-revert timers) behind the qos_* tools and /api/qos; pending reverts are re-armed
 * when the server starts and their timers cleared when it stops.
 */
import { defineCapability, type Capability } from '../../core/capability.js';
import { intentInterpreterFor } from './intent-planning.js';
import { createQosEngine, qosSettingsFromConfig } from './qos-factory.js';
import type { QosEngine } from './qos-engine.js';
import { createQosMetrics } from './qos-metrics.js';
import { qosRoutes } from './qos-routes.js';
import { qosToolset } from './qos-toolset.js';

/** What tests and labs may replace (an engine in a network namespace, with a memory store). */
export interface QosCapabilityOptions {
  engine?: QosEngine;
}

/** The QoS capability. */
export function qosCapability(options: QosCapabilityOptions = {}): Capability {
  return defineCapability({
    name: 'qos',
    create(core) {
      const metrics = createQosMetrics(core.metrics);
      const engine =
        options.engine ??
        createQosEngine(qosSettingsFromConfig(core.config), { database: core.database, logger: core.logger, registry: core.metrics });
      if (options.engine) engine.useMetrics(metrics);
      const interpreter = intentInterpreterFor(core.inference.structured ?? core.inference.localModel, core.config, core.metrics);
      return {
        name: 'qos',
        toolset: qosToolset(engine, { interpreter }),
        routes: (routes) => qosRoutes(routes, { engine, interpreter, tools: () => core.tools }),
        metrics: Object.values(metrics),
        jobs: [
          {
            name: 'qos-reverts',
            async start() {
              await engine
                .resumePendingReverts()
                .catch((error: unknown) => core.logger.warn({ err: error }, 'qos: could not re-arm pending confirm-or-revert timers'));
            },
            async close() {
              engine.close();
            },
          },
        ],
      };
    },
  });
}

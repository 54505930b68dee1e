/**
 * The network capability: one analyzer per process (one NET_RATE_LIMIT_PER_MINUTE budget per
 * user, one vigie_network_runs_total) shared by POST /api/network-analysis and the net_*
 * tools, so runs from REST, /api/commands, Slack, Discord, the console and the agent count
 * against the same limit and show in the same metric.
 */
import { defineCapability, type Capability } from '../../core/capability.js';
import { NetworkAnalyzer } from './network-analyzer.js';
import { networkMetrics } from './network-metrics.js';
import { networkRoutes } from './network-routes.js';
import { networkSettings } from './network-settings.js';
import { networkToolset } from './network-toolset.js';

/** What tests and labs may replace (an analyzer with a namespace runner). */
export interface NetworkCapabilityOptions {
  analyzer?: NetworkAnalyzer;
}

/** The network capability (toolset, /api/network-analysis, metrics). */
export function networkCapability(options: NetworkCapabilityOptions = {}): Capability {
  return defineCapability({
    name: 'network',
    create(core) {
      const analyzer =
        options.analyzer ??
        new NetworkAnalyzer({ settings: networkSettings(core.config), metrics: networkMetrics(core.metrics), logger: core.logger });
      return {
        name: 'network',
        toolset: networkToolset(core, analyzer),
        routes: (routes) => networkRoutes(routes, core, analyzer),
        metrics: Object.values(analyzer.metrics),
      };
    },
  });
}

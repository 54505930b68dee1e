/**
 * Prometheus metrics of the network toolset, registered once per registry (the app's, or a
 * private one when a caller has none) so the route and the tools can share them.
 */
import { Registry, type Counter, type Histogram } from 'prom-client';
import { counter, histogram } from '../../core/metrics.js';

/** The toolset's metrics. */
export interface NetworkMetrics {
  runs: Counter<'status'>;
  probes: Counter<'check'>;
  refusals: Counter<'reason'>;
  runDuration: Histogram;
}

/** Returns the metrics registered on `registry`, creating them the first time. */
export function networkMetrics(registry: Registry = new Registry()): NetworkMetrics {
  return {
    runs: counter(registry, { name: 'vigie_network_runs_total', help: 'Network analysis runs by outcome', labelNames: ['status'] }),
    probes: counter(registry, { name: 'vigie_network_probes_total', help: 'Network probes sent, by check', labelNames: ['check'] }),
    refusals: counter(registry, {
      name: 'vigie_network_refusals_total',
      help: 'Network requests refused by the guardrails',
      labelNames: ['reason'],
    }),
    runDuration: histogram(registry, {
      name: 'vigie_network_run_duration_seconds',
      help: 'Wall time of network analysis runs',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120],
    }),
  };
}

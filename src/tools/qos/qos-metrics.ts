/**
 * Prometheus metrics for QoS: how many applies succeeded or rolled back, rollbacks, and how
 * long applying takes. Registered on the app's registry when one is given.
 */
import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram } from '../../core/metrics.js';

/** The QoS metrics. */
export interface QosMetrics {
  operations: Counter<'operation' | 'outcome'>;
  applySeconds: Histogram;
}

/** Creates (or reuses) the QoS metrics on `registry`. */
export function createQosMetrics(registry?: Registry): QosMetrics {
  const existing = registry?.getSingleMetric('vigie_qos_operations_total');
  if (existing && registry) {
    return {
      operations: existing as Counter<'operation' | 'outcome'>,
      applySeconds: registry.getSingleMetric('vigie_qos_apply_seconds') as Histogram,
    };
  }
  return {
    operations: counter(registry, {
      name: 'vigie_qos_operations_total',
      help: 'QoS applies and rollbacks by outcome',
      labelNames: ['operation', 'outcome'],
    }),
    applySeconds: histogram(registry, {
      name: 'vigie_qos_apply_seconds',
      help: 'Time to plan, snapshot, apply and verify a QoS policy',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    }),
  };
}

/**
 * Prometheus metrics for QoS: how many applies succeeded or rolled back, rollbacks, and how
 * long applying takes. Registered on the app's registry when one is given.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** The QoS metrics. */
export interface QosMetrics {
  operations: Counter<'operation' | 'outcome'>;
  applySeconds: Histogram;
}

/** Creates (or reuses) the QoS metrics on `registry`. */
export function createQosMetrics(registry?: Registry): QosMetrics {
  const existing = registry?.getSingleMetric('vigie_qos_operations_total');
  if (existing && registry) {
    return { operations: existing as Counter<'operation' | 'outcome'>, applySeconds: registry.getSingleMetric('vigie_qos_apply_seconds') as Histogram };
  }
  const registers = registry ? [registry] : [];
  return {
    operations: new Counter({ name: 'vigie_qos_operations_total', help: 'QoS applies and rollbacks by outcome', labelNames: ['operation', 'outcome'], registers }),
    applySeconds: new Histogram({ name: 'vigie_qos_apply_seconds', help: 'Time to plan, snapshot, apply and verify a QoS policy', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers }),
  };
}

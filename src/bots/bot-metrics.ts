/**
 * Bot components (leases, queues, gateways) are built per adapter, and tests build several
 * on one registry: each metric is registered once and then shared, never registered twice.
 */
import type { Metric, Registry } from 'prom-client';

/** The metric `name` on `registry`, created by `create(registers)` the first time; unregistered without a registry. */
export function sharedMetric<T extends Metric>(registry: Registry | undefined, name: string, create: (registers: Registry[]) => T): T {
  const existing = registry?.getSingleMetric(name) as T | undefined;
  return existing ?? create(registry ? [registry] : []);
}

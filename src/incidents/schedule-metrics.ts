/**
 * Schedule metrics: runs by outcome, lateness (how long after its slot a run started) and
 * the schedules the watchdog finds overdue, registered once per registry so several app
 * instances in one process (tests) share them.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../core/metrics.js';

/** The schedule metrics. */
export interface ScheduleMetrics {
  runs: Counter<'status'>;
  lateness: Histogram;
  overdue: Gauge;
}

/** Creates (or reuses) the schedule metrics on `registry`. */
export function scheduleMetrics(registry: Registry): ScheduleMetrics {
  return {
    runs: counter(registry, {
      name: 'vigie_schedule_runs_total',
      help: 'Scheduled check runs by outcome (healthy, failing, error, refused, duplicate: a slot already recorded)',
      labelNames: ['status'],
    }),
    lateness: histogram(registry, {
      name: 'vigie_schedule_lateness_seconds',
      help: 'How long after its scheduled slot a run started',
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    }),
    overdue: gauge(registry, {
      name: 'vigie_schedules_overdue',
      help: 'Enabled schedules whose last run is older than twice their interval (watchdog)',
    }),
  };
}

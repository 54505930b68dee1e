/**
 * Schedule metrics: runs by outcome, lateness (how long after its slot a run started) and
 * the schedules the watchdog finds overdue, registered once per registry so several app
 * instances in one process (tests) share them.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { sharedMetric } from '../bots/bot-metrics.js';

/** The schedule metrics. */
export interface ScheduleMetrics {
  runs: Counter<'status'>;
  lateness: Histogram;
  overdue: Gauge;
}

/** Creates (or reuses) the schedule metrics on `registry`. */
export function scheduleMetrics(registry: Registry): ScheduleMetrics {
  return {
    runs: sharedMetric(registry, 'vigie_schedule_runs_total', (registers) => new Counter({ name: 'vigie_schedule_runs_total', help: 'Scheduled check runs by outcome (healthy, failing, error, refused, duplicate: a slot already recorded)', labelNames: ['status'], registers })),
    lateness: sharedMetric(registry, 'vigie_schedule_lateness_seconds', (registers) => new Histogram({ name: 'vigie_schedule_lateness_seconds', help: 'How long after its scheduled slot a run started', buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300], registers })),
    overdue: sharedMetric(registry, 'vigie_schedules_overdue', (registers) => new Gauge({ name: 'vigie_schedules_overdue', help: 'Enabled schedules whose last run is older than twice their interval (watchdog)', registers })),
  };
}

/**
 * Incident metrics: transitions by source and kind, alert-to-first-summary time and
 * diagnostic durations, registered once per registry so several app instances in one
 * process (tests) share them.
 */
import { Gauge, type Counter, type Histogram, type Metric, type Registry } from 'prom-client';
import { counter, getOrCreate, histogram } from '../core/metrics.js';

/** Reads current incident counts by status and source (one per app sharing the registry). */
export type IncidentCounter = () => Promise<Array<{ status: string; source: string; count: number }>>;

/**
 * vigie_incidents{state,source}: read from the database at scrape time, so every node reports
 * the same shared truth and nothing drifts. Apps sharing one registry add their reader; the
 * gauge sums what they report (each reads its own database).
 */
class CurrentIncidentsGauge extends Gauge<'state' | 'source'> {
  readonly counters = new Set<IncidentCounter>();
}

function currentIncidentsGauge(registers: Registry[], onError: (error: unknown) => void): CurrentIncidentsGauge {
  const gauge: CurrentIncidentsGauge = new CurrentIncidentsGauge({
    name: 'vigie_incidents',
    help: 'Incidents now, by state (firing, acknowledged, resolved) and alert source',
    labelNames: ['state', 'source'],
    registers,
    async collect() {
      const totals = new Map<string, { state: string; source: string; count: number }>();
      for (const counter of gauge.counters) {
        try {
          for (const row of await counter()) {
            const key = `${row.status}\u0000${row.source}`;
            const total = totals.get(key) ?? { state: row.status, source: row.source, count: 0 };
            total.count += row.count;
            totals.set(key, total);
          }
        } catch (error) {
          onError(error);
        }
      }
      gauge.reset();
      for (const total of totals.values()) gauge.set({ state: total.state, source: total.source }, total.count);
    },
  });
  return gauge;
}

/** The incident metrics. */
export interface IncidentMetrics {
  /** Adds a reader of current counts to vigie_incidents; returns its removal. */
  countCurrent(counter: IncidentCounter): () => void;
  /** vigie_incidents itself (read at scrape time through the added readers). */
  current: Gauge<'state' | 'source'>;
  transitions: Counter<'source' | 'transition'>;
  firstSummary: Histogram<'source'>;
  diagnostics: Histogram<'tool'>;
  rejected: Counter<'source' | 'reason'>;
}

/** Creates (or reuses) the incident metrics on `registry`; `onError` hears failed count reads. */
export function incidentMetrics(registry: Registry, onError: (error: unknown) => void = () => undefined): IncidentMetrics {
  const current = getOrCreate(registry, 'vigie_incidents', CurrentIncidentsGauge, (registers) => currentIncidentsGauge(registers, onError));
  return {
    countCurrent(counter) {
      current.counters.add(counter);
      return () => current.counters.delete(counter);
    },
    current,
    transitions: counter(registry, {
      name: 'vigie_incident_transitions_total',
      help: 'Incident transitions (opened, updated, acknowledged, resolved) by alert source',
      labelNames: ['source', 'transition'],
    }),
    firstSummary: histogram(registry, {
      name: 'vigie_incident_first_summary_seconds',
      help: 'Time from receiving an alert to its first posted summary',
      labelNames: ['source'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15],
    }),
    diagnostics: histogram(registry, {
      name: 'vigie_incident_diagnostic_seconds',
      help: 'Duration of incident auto-diagnostics by tool',
      labelNames: ['tool'],
      buckets: [0.1, 0.5, 1, 2, 5, 15, 60],
    }),
    rejected: counter(registry, {
      name: 'vigie_incident_hooks_rejected_total',
      help: 'Alert webhooks refused, by source and reason (token, signature, payload, size)',
      labelNames: ['source', 'reason'],
    }),
  };
}

/** Every incident metric, for the capability module's `metrics` list. */
export function incidentMetricList(metrics: IncidentMetrics): Metric[] {
  return [metrics.current, metrics.transitions, metrics.firstSummary, metrics.diagnostics, metrics.rejected];
}

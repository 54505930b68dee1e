/**
 * Incident metrics: transitions by source and kind, alert-to-first-summary time and
 * diagnostic durations, registered once per registry so several app instances in one
 * process (tests) share them.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { sharedMetric } from '../bots/bot-metrics.js';

/** The incident metrics. */
export interface IncidentMetrics {
  transitions: Counter<'source' | 'transition'>;
  firstSummary: Histogram<'source'>;
  diagnostics: Histogram<'tool'>;
  rejected: Counter<'source' | 'reason'>;
}

/** Creates (or reuses) the incident metrics on `registry`. */
export function incidentMetrics(registry: Registry): IncidentMetrics {
  return {
    transitions: sharedMetric(registry, 'vigie_incident_transitions_total', (registers) => new Counter({ name: 'vigie_incident_transitions_total', help: 'Incident transitions (opened, updated, acknowledged, resolved) by alert source', labelNames: ['source', 'transition'], registers })),
    firstSummary: sharedMetric(registry, 'vigie_incident_first_summary_seconds', (registers) => new Histogram({ name: 'vigie_incident_first_summary_seconds', help: 'Time from receiving an alert to its first posted summary', labelNames: ['source'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15], registers })),
    diagnostics: sharedMetric(registry, 'vigie_incident_diagnostic_seconds', (registers) => new Histogram({ name: 'vigie_incident_diagnostic_seconds', help: 'Duration of incident auto-diagnostics by tool', labelNames: ['tool'], buckets: [0.1, 0.5, 1, 2, 5, 15, 60], registers })),
    rejected: sharedMetric(registry, 'vigie_incident_hooks_rejected_total', (registers) => new Counter({ name: 'vigie_incident_hooks_rejected_total', help: 'Alert webhooks refused, by source and reason (token, signature, payload, size)', labelNames: ['source', 'reason'], registers })),
  };
}

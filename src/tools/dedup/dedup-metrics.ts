/**
 * Prometheus metrics of the dedup store on the app's registry: ingest throughput and
 * outcomes, so a slow or failing ingest shows on /metrics.
 */
import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram } from '../../core/metrics.js';

/** The dedup metrics. */
export interface DedupMetrics {
  ingestBytes: Counter;
  ingestFiles: Counter<'outcome'>;
  ingestRuns: Counter<'status'>;
  ingestSeconds: Histogram;
  queries: Counter<'query'>;
}

/** Registers the metrics once per registry. */
export function createDedupMetrics(registry: Registry): DedupMetrics {
  return {
    ingestBytes: counter(registry, { name: 'vigie_dedup_ingest_bytes_total', help: 'Bytes read and chunked by dedup ingests' }),
    ingestFiles: counter(registry, {
      name: 'vigie_dedup_ingest_files_total',
      help: 'Files seen by dedup ingests by outcome',
      labelNames: ['outcome'],
    }),
    ingestRuns: counter(registry, { name: 'vigie_dedup_ingest_runs_total', help: 'Dedup ingests by final status', labelNames: ['status'] }),
    ingestSeconds: histogram(registry, {
      name: 'vigie_dedup_ingest_duration_seconds',
      help: 'Dedup ingest duration',
      buckets: [0.5, 2, 10, 60, 300, 1800],
    }),
    queries: counter(registry, { name: 'vigie_dedup_queries_total', help: 'Dedup queries answered by kind', labelNames: ['query'] }),
  };
}

/** Records a finished ingest. */
export function recordIngest(
  metrics: DedupMetrics,
  report: { bytesRead: number; filesRead: number; filesUnchanged: number; filesResumed: number; problemCount: number; seconds: number },
): void {
  metrics.ingestBytes.inc(report.bytesRead);
  metrics.ingestFiles.inc({ outcome: 'read' }, report.filesRead);
  metrics.ingestFiles.inc({ outcome: 'unchanged' }, report.filesUnchanged);
  metrics.ingestFiles.inc({ outcome: 'resumed' }, report.filesResumed);
  metrics.ingestFiles.inc({ outcome: 'skipped' }, report.problemCount);
  metrics.ingestRuns.inc({ status: 'complete' });
  metrics.ingestSeconds.observe(report.seconds);
}

/**
 * Prometheus metrics of the dedup store on the app's registry: ingest throughput and
 * outcomes, so a slow or failing ingest shows on /metrics.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

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
  const existing = registry.getSingleMetric('vigie_dedup_ingest_bytes_total');
  if (existing) {
    return {
      ingestBytes: existing as Counter,
      ingestFiles: registry.getSingleMetric('vigie_dedup_ingest_files_total') as Counter<'outcome'>,
      ingestRuns: registry.getSingleMetric('vigie_dedup_ingest_runs_total') as Counter<'status'>,
      ingestSeconds: registry.getSingleMetric('vigie_dedup_ingest_duration_seconds') as Histogram,
      queries: registry.getSingleMetric('vigie_dedup_queries_total') as Counter<'query'>,
    };
  }
  return {
    ingestBytes: new Counter({ name: 'vigie_dedup_ingest_bytes_total', help: 'Bytes read and chunked by dedup ingests', registers: [registry] }),
    ingestFiles: new Counter({ name: 'vigie_dedup_ingest_files_total', help: 'Files seen by dedup ingests by outcome', labelNames: ['outcome'], registers: [registry] }),
    ingestRuns: new Counter({ name: 'vigie_dedup_ingest_runs_total', help: 'Dedup ingests by final status', labelNames: ['status'], registers: [registry] }),
    ingestSeconds: new Histogram({ name: 'vigie_dedup_ingest_duration_seconds', help: 'Dedup ingest duration', buckets: [0.5, 2, 10, 60, 300, 1800], registers: [registry] }),
    queries: new Counter({ name: 'vigie_dedup_queries_total', help: 'Dedup queries answered by kind', labelNames: ['query'], registers: [registry] }),
  };
}

/** Records a finished ingest. */
export function recordIngest(metrics: DedupMetrics, report: { bytesRead: number; filesRead: number; filesUnchanged: number; filesResumed: number; problemCount: number; seconds: number }): void {
  metrics.ingestBytes.inc(report.bytesRead);
  metrics.ingestFiles.inc({ outcome: 'read' }, report.filesRead);
  metrics.ingestFiles.inc({ outcome: 'unchanged' }, report.filesUnchanged);
  metrics.ingestFiles.inc({ outcome: 'resumed' }, report.filesResumed);
  metrics.ingestFiles.inc({ outcome: 'skipped' }, report.problemCount);
  metrics.ingestRuns.inc({ status: 'complete' });
  metrics.ingestSeconds.observe(report.seconds);
}

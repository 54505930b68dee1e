/**
 * Prometheus figures for the pipeline: executions by tool and outcome, and their duration.
 */
import type { Counter, Histogram, Registry } from 'prom-client';
import { counter, histogram } from '../../core/metrics.js';

/** Metrics the execution service updates. */
export interface ExecutionMetrics {
  executions: Counter<'tool' | 'status'>;
  duration: Histogram<'tool'>;
}

/** Registers the pipeline metrics on `registry` (or a private one when absent). */
export function createExecutionMetrics(registry?: Registry): ExecutionMetrics {
  return {
    executions: counter(registry, {
      name: 'vigie_tool_executions_total',
      help: 'Tool executions by tool and final or pending status',
      labelNames: ['tool', 'status'],
    }),
    duration: histogram(registry, {
      name: 'vigie_tool_execution_duration_seconds',
      help: 'Run time of tool executions',
      labelNames: ['tool'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60, 300],
    }),
  };
}

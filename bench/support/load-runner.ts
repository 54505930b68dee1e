/**
 * The HTTP load generator of the REST benches (autocannon in its own worker thread, so it
 * never shares the server's event loop) and the statistics every suite reports: medians of
 * paired runs, so a shared machine's changing load hits a path and its ceiling alike.
 */
import os from 'node:os';
import autocannon from 'autocannon';

/** One run's figures. */
export interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
}

/** Drives `options.url` for `seconds` with `connections`; the generator runs in a worker thread. */
export async function drive(options: autocannon.Options, connections: number, seconds: number): Promise<Figures> {
  const result = await autocannon({ connections, duration: seconds, workers: 1, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Field-wise medians of several runs; errors and non-2xx are summed (any is a defect). */
export function medianFigures(runs: Figures[]): Figures & { runs: number } {
  const field = (key: keyof Figures) => round(median(runs.map((run) => run[key])), 2);
  return {
    requestsPerSecond: Math.round(median(runs.map((run) => run.requestsPerSecond))),
    p50Ms: field('p50Ms'),
    p90Ms: field('p90Ms'),
    p99Ms: field('p99Ms'),
    maxMs: field('maxMs'),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    runs: runs.length,
  };
}

/** The 1-minute load average, rounded: printed beside every figure. */
export function loadAverage(): number {
  return round(os.loadavg()[0] ?? 0, 2);
}

/**
 * Metrics of gap-free delivery (issue #20): how often clients found gaps and caught up, how
 * many messages catch-up returned, how long each page took, and the resync hints nodes sent
 * when Redis came back. Registered once per registry (reused by later gateways in tests).
 */
import type { Registry } from 'prom-client';
import { counter, histogram } from '../../core/metrics.js';

/** Why a client started a catch-up (first page only; continuation pages carry no reason). */
export const CATCH_UP_REASONS = ['gap', 'reconnect', 'resync', 'wake', 'join'] as const;
/** One of {@link CATCH_UP_REASONS}. */
export type CatchUpReason = (typeof CATCH_UP_REASONS)[number];

/** Counters and the duration histogram, with one helper per catch-up page. */
export interface CatchUpMetrics {
  /** Records one served page: `via` join, sync or rest. */
  observe(via: 'join' | 'sync' | 'rest', messages: number, startedNs: bigint): void;
  /** Records the start of a client catch-up with its reason. */
  started(reason: CatchUpReason): void;
  /** Records resync hints sent to local rooms after Redis returned. */
  hinted(rooms: number): void;
}

/** Registers (or reuses) the catch-up metrics on `registry`. */
export function createCatchUpMetrics(registry: Registry): CatchUpMetrics {
  const catchUps = counter(registry, {
    name: 'vigie_realtime_catchups_total',
    help: 'Client catch-ups started, by reason (gap, reconnect, resync, wake, join)',
    labelNames: ['reason'] as const,
  });
  const gaps = counter(registry, {
    name: 'vigie_realtime_gaps_detected_total',
    help: 'Sequence gaps clients detected in a conversation (a seq above last + 1) and asked to fill',
    labelNames: [] as const,
  });
  const recovered = counter(registry, {
    name: 'vigie_realtime_messages_recovered_total',
    help: 'Messages returned by catch-up pages (join, sync, rest)',
    labelNames: ['via'] as const,
  });
  const hints = counter(registry, {
    name: 'vigie_realtime_resync_hints_total',
    help: 'conversation:resync hints this node sent to its rooms after Redis came back',
    labelNames: [] as const,
  });
  const duration = histogram(registry, {
    name: 'vigie_realtime_catchup_duration_seconds',
    help: 'Time to read and answer one catch-up page',
    labelNames: ['via'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  return {
    observe(via, messages, startedNs) {
      recovered.inc({ via }, messages);
      duration.observe({ via }, Number(process.hrtime.bigint() - startedNs) / 1e9);
    },
    started(reason) {
      catchUps.inc({ reason });
      if (reason === 'gap') gaps.inc();
    },
    hinted(rooms) {
      hints.inc(rooms);
    },
  };
}

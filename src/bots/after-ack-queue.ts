/**
 * Chat platforms want an ack within seconds (Slack: 3 s) and the ack only waits for the event
 * loop. The work after it (identity, conversation, tool, answer) is what fills the loop: a
 * burst of commands started all at once makes every new ack queue behind dozens of turns'
 * database callbacks. This queue runs at most `concurrency` of those jobs at a time per node
 * and parks the rest, so acks stay fast under bursts; past `maxQueued` it refuses new work
 * (the adapter tells the user to retry) instead of growing without bound.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { gauge as gaugeMetric } from '../core/metrics.js';

/** How to build a queue. */
export interface AfterAckQueueOptions {
  /** Platform label for the metrics (`slack`, `discord`). */
  platform: string;
  /** Jobs running at once (default 32). */
  concurrency?: number;
  /** Jobs waiting at most (default 1,000); more are refused. */
  maxQueued?: number;
  logger: Logger;
  registry?: Registry | undefined;
}

/** Bounded after-ack work. */
export interface AfterAckQueue {
  /** Runs `job` when a slot is free; false (and nothing runs) when the backlog is full. */
  submit(job: () => Promise<void>): boolean;
  readonly active: number;
  readonly queued: number;
  /** Resolves when nothing runs or waits (tests, shutdown). */
  idle(): Promise<void>;
}

/** Builds a queue; jobs' errors are logged, never thrown. */
export function createAfterAckQueue(options: AfterAckQueueOptions): AfterAckQueue {
  const concurrency = Math.max(1, options.concurrency ?? 32);
  const maxQueued = Math.max(0, options.maxQueued ?? 1_000);
  const gauge = gaugeMetric(options.registry, {
    name: 'vigie_bot_after_ack_jobs',
    help: 'Chat jobs after their ack, running or waiting for a slot',
    labelNames: ['platform', 'state'],
  });
  const waiting: Array<() => Promise<void>> = [];
  const idleWaiters: Array<() => void> = [];
  let active = 0;

  const report = () => {
    gauge.set({ platform: options.platform, state: 'running' }, active);
    gauge.set({ platform: options.platform, state: 'waiting' }, waiting.length);
    if (active === 0 && waiting.length === 0) for (const wake of idleWaiters.splice(0)) wake();
  };
  const run = (job: () => Promise<void>) => {
    active += 1;
    report();
    void job()
      .catch((error: unknown) => options.logger.error({ err: error, platform: options.platform }, 'chat job failed'))
      .finally(() => {
        active -= 1;
        const next = waiting.shift();
        if (next) run(next);
        else report();
      });
  };

  return {
    submit(job) {
      if (active < concurrency) {
        run(job);
        return true;
      }
      if (waiting.length >= maxQueued) return false;
      waiting.push(job);
      report();
      return true;
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    idle() {
      if (active === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

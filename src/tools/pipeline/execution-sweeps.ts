/**
 * The pipeline's periodic work on every node: expire approvals past their deadline, fail
 * executions abandoned by a crashed node (once now, at start-up, then periodically), and put
 * durable executions stranded in `queued` back in the job queue.
 */
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ToolRegistry } from '../tool-registry.js';
import { requeueStranded } from './execution-requeue.js';
import type { ExecutionJobQueue } from './job-queue.js';

/** What the sweeps need from the pipeline. */
export interface ExecutionSweepDeps {
  prisma: PrismaClient;
  registry: ToolRegistry;
  jobs: ExecutionJobQueue;
  logger: Logger;
  now: () => Date;
  expireStale: () => Promise<number>;
  sweepAbandoned: () => Promise<number>;
  sweepEveryMs: number;
  requeueAfterMs: number;
}

/** Runs the expiry and abandon sweeps once, then starts all sweeps; returns their stop function. */
export async function startExecutionSweeps(deps: ExecutionSweepDeps): Promise<() => void> {
  const { logger } = deps;
  const sweep = () =>
    Promise.all([
      deps.expireStale().catch((error: unknown) => logger.warn({ err: error }, 'approval expiry sweep failed')),
      deps.sweepAbandoned().catch((error: unknown) => logger.warn({ err: error }, 'abandoned execution sweep failed')),
    ]);
  await sweep();
  const sweeper = setInterval(() => void sweep(), deps.sweepEveryMs);
  sweeper.unref();
  const afterMs = deps.requeueAfterMs;
  let lastRequeueError = '';
  const requeuer = setInterval(
    () => {
      requeueStranded({ prisma: deps.prisma, registry: deps.registry, jobs: deps.jobs, logger, now: deps.now, afterMs })
        .then(() => (lastRequeueError = ''))
        .catch((error: unknown) => {
          // Redis or the database still away: said once per distinct error, retried next tick.
          const message = (error as Error).message;
          if (message !== lastRequeueError) logger.warn({ err: message }, 'queued execution sweep failed; retrying');
          lastRequeueError = message;
        });
    },
    Math.max(500, Math.min(afterMs, 5_000)),
  );
  requeuer.unref();
  return () => {
    clearInterval(sweeper);
    clearInterval(requeuer);
  };
}

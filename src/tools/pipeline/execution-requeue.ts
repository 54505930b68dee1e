/**
 * Durable executions never stay `queued` without a job: a row acknowledged as `queued` whose
 * job vanished (Redis restarted empty, a worker failed before it could claim the row, the
 * node crashed between the row and the enqueue) is put back in the queue by a periodic
 * sweep on every node. The queue's requeue is idempotent (the job id is the execution id)
 * and the run claims the row with a conditional update, so two nodes never run it twice.
 */
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { ToolRegistry } from '../tool-registry.js';
import type { ExecutionJobQueue } from './job-queue.js';

/** Default age of a `queued` row before the sweep requeues it. */
export const DEFAULT_REQUEUE_AFTER_MS = 5_000;

/** What the requeue sweep needs. */
export interface RequeueDeps {
  prisma: PrismaClient;
  registry: ToolRegistry;
  jobs: ExecutionJobQueue;
  logger: Logger;
  now: () => Date;
  /** Age (since creation or approval) after which a `queued` row is requeued. */
  afterMs: number;
}

/** Requeues every durable `queued` execution older than `afterMs`; returns how many were offered. */
export async function requeueStranded(deps: RequeueDeps): Promise<number> {
  const durable = deps.registry
    .list()
    .filter((entry) => entry.tool.durable)
    .map((entry) => entry.tool.name);
  if (durable.length === 0) return 0;
  const before = new Date(deps.now().getTime() - deps.afterMs);
  const rows = await deps.prisma.execution.findMany({
    where: {
      status: 'queued',
      tool: { in: durable },
      updatedAt: { lte: before },
    },
    orderBy: { createdAt: 'asc' },
    select: { id: true },
    take: 200,
  });
  for (const row of rows) await deps.jobs.requeue(row.id);
  if (rows.length) deps.logger.info({ count: rows.length }, 'queued durable executions offered to the job queue again');
  return rows.length;
}

/**
 * The Redis-backed execution queue (BullMQ): a job stays in Redis until a worker on any node
 * finishes it, and a job whose node died is picked up again by BullMQ's stalled-job check.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { ExecutionJobHandler, ExecutionJobQueue } from './job-queue.js';

/** BullMQ queue + worker sharing one queue name across nodes. */
export class BullMqJobQueue implements ExecutionJobQueue {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly redisUrl: string,
    private readonly logger: Logger,
    private readonly queueName = 'vigie-executions',
    private readonly concurrency = 4,
  ) {
    this.queue = new Queue(queueName, { connection: this.connection() });
  }

  private connection(): Redis {
    // BullMQ requires maxRetriesPerRequest: null on the connections it blocks on.
    const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connections.push(redis);
    return redis;
  }

  async start(handler: ExecutionJobHandler): Promise<void> {
    this.worker = new Worker(
      this.queueName,
      async (job) => handler(String(job.data.executionId), job.attemptsMade + 1),
      { connection: this.connection(), concurrency: this.concurrency },
    );
    this.worker.on('failed', (job, error) => this.logger.warn({ err: error, jobId: job?.id }, 'execution job failed'));
    await this.worker.waitUntilReady();
  }

  async enqueue(executionId: string): Promise<void> {
    await this.queue.add('execute', { executionId }, { jobId: executionId, removeOnComplete: 1000, removeOnFail: 1000 });
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await Promise.all(this.connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
  }
}

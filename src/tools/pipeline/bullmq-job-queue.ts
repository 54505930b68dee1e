/**
 * The Redis-backed execution queue (BullMQ): a job stays in Redis until a worker on any node
 * finishes it, and a job whose node died is picked up again by BullMQ's stalled-job check.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { UnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { createRedisClient } from '../../redis.js';
import type { RedisTarget } from '../../redis-target.js';
import type { ExecutionJobHandler, ExecutionJobQueue } from './job-queue.js';

/** Longest wait for Redis to take a job before the request is answered 503. */
const ENQUEUE_TIMEOUT_MS = 2_000;

function redisDown(): UnavailableError {
  return new UnavailableError('unavailable', 'Redis is unavailable: the job could not be queued; please retry in 5 seconds');
}

/** `work`, or a 503 `unavailable` after `ms` (the late outcome is dropped: the row, not the job, is authoritative). */
async function withDeadline<T>(work: Promise<T>, ms = ENQUEUE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  try {
    return await Promise.race([work, new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(redisDown()), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * BullMQ queue + worker sharing one queue name across nodes. While Redis is away, enqueue
 * fails fast with 503 `unavailable` (never waits on the offline queue); the execution
 * service fails that execution and sweeps `queued` rows back into the queue once it returns.
 */
export class BullMqJobQueue implements ExecutionJobQueue {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private readonly queueConnection: Redis;
  private worker: Worker | undefined;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly redisTarget: RedisTarget,
    private readonly logger: Logger,
    private readonly queueName = 'vigie-executions',
    private readonly concurrency = 4,
  ) {
    this.queueConnection = this.connection();
    this.queue = new Queue(queueName, { connection: this.queueConnection });
    this.queue.on('error', (error) => this.logger.debug({ err: error.message }, 'execution queue redis error'));
  }

  private connection(): Redis {
    // BullMQ requires maxRetriesPerRequest: null on the connections it blocks on.
    const redis = createRedisClient(this.redisTarget, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connections.push(redis);
    return redis;
  }

  async start(handler: ExecutionJobHandler): Promise<void> {
    this.worker = new Worker(this.queueName, async (job) => handler(String(job.data.executionId), job.attemptsMade + 1), {
      connection: this.connection(),
      concurrency: this.concurrency,
    });
    this.worker.on('error', (error) => this.logger.debug({ err: error.message }, 'execution worker redis error'));
    this.worker.on('failed', (job, error) => this.logger.warn({ err: error, jobId: job?.id }, 'execution job failed'));
    await this.worker.waitUntilReady();
  }

  /**
   * Resolves once the queue's connection is ready. A connection still being opened (just
   * after start-up) is waited for within the enqueue deadline; one that is reconnecting or
   * closed fails fast with 503, so a Redis outage never holds a request.
   */
  private async ready(): Promise<void> {
    const status = this.queueConnection.status;
    if (status === 'ready') return;
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') throw redisDown();
    let onReady: (() => void) | undefined;
    let onEnd: (() => void) | undefined;
    try {
      await withDeadline(
        new Promise<void>((resolve, reject) => {
          onReady = () => resolve();
          onEnd = () => reject(redisDown());
          this.queueConnection.once('ready', onReady);
          this.queueConnection.once('end', onEnd);
        }),
      );
    } finally {
      if (onReady) this.queueConnection.off('ready', onReady);
      if (onEnd) this.queueConnection.off('end', onEnd);
    }
  }

  async enqueue(executionId: string): Promise<void> {
    await this.ready();
    await withDeadline(this.queue.add('execute', { executionId }, { jobId: executionId, removeOnComplete: 1000, removeOnFail: 1000 }));
  }

  async requeue(executionId: string): Promise<void> {
    await this.ready();
    const job = await withDeadline(this.queue.getJob(executionId));
    if (job) {
      const state = await withDeadline(job.getState());
      // A finished job keeps its id for a while and would make add() a no-op: drop it first.
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
      await withDeadline(job.remove());
    }
    await this.enqueue(executionId);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await Promise.all(this.connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
  }
}

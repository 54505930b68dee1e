/**
 * The BullMQ execution queue, imported when the tool runtime starts rather than when the
 * module graph loads: bullmq weighs ~30 MB of RSS and a second of start-up, and nodes without
 * REDIS_URL (in-process queue) never import it at all. Same behaviour as BullMqJobQueue.
 */
import type { Logger } from '../../logger.js';
import type { RedisTarget } from '../../redis-target.js';
import type { ExecutionJobHandler, ExecutionJobQueue } from './job-queue.js';

/** A BullMqJobQueue created on first use (start or enqueue). */
export class DeferredBullMqJobQueue implements ExecutionJobQueue {
  readonly kind = 'bullmq' as const;
  private loaded: Promise<ExecutionJobQueue> | undefined;

  constructor(
    private readonly redisTarget: RedisTarget,
    private readonly logger: Logger,
  ) {}

  private queue(): Promise<ExecutionJobQueue> {
    this.loaded ??= import('./bullmq-job-queue.js').then(({ BullMqJobQueue }) => new BullMqJobQueue(this.redisTarget, this.logger));
    return this.loaded;
  }

  async start(handler: ExecutionJobHandler): Promise<void> {
    await (await this.queue()).start(handler);
  }

  async enqueue(executionId: string): Promise<void> {
    await (await this.queue()).enqueue(executionId);
  }

  async requeue(executionId: string): Promise<void> {
    await (await this.queue()).requeue(executionId);
  }

  async close(): Promise<void> {
    // Never started: nothing was connected.
    if (this.loaded) await (await this.loaded).close();
  }
}

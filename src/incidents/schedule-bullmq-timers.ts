/**
 * Schedules on BullMQ job schedulers: each schedule is one job scheduler (`every` its
 * interval) in Redis, shared by every node, so each interval produces exactly one job
 * whichever nodes are up; any node's worker takes it. A job whose node dies mid-run keeps its
 * lock only until `lockMs`: BullMQ's stalled-job check then hands it to another worker.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { createRedisClient } from '../redis.js';
import type { RedisTarget } from '../redis-target.js';
import type { ScheduleHandler, ScheduleTimers } from './schedule-timers.js';

/** Options of the BullMQ timers (tests shorten the lock so a killed node is noticed fast). */
export interface BullMqTimerOptions {
  /** A redis:// URL or a Sentinel target (src/redis-target.ts). */
  redisUrl: RedisTarget;
  /** Redis key prefix (default `bull`); tests use their own. */
  prefix?: string | undefined;
  queueName?: string | undefined;
  /** How long a running job's lock lasts without renewal (default 30 s). */
  lockMs?: number | undefined;
  concurrency?: number | undefined;
}

/** The slot a scheduler job belongs to: its id ends with the scheduled millis. */
export function slotOf(job: Pick<Job, 'id' | 'timestamp' | 'opts'>): Date {
  const millis = /:(\d{10,16})$/.exec(String(job.id ?? ''))?.[1];
  return new Date(millis ? Number(millis) : job.timestamp + (job.opts.delay ?? 0));
}

/** BullMQ-backed schedule timers. */
export class BullMqScheduleTimers implements ScheduleTimers {
  readonly kind = 'bullmq' as const;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly connections: Redis[] = [];
  private readonly queueName: string;

  constructor(
    private readonly options: BullMqTimerOptions,
    private readonly logger: Logger,
  ) {
    this.queueName = options.queueName ?? 'vigie-schedules';
    this.queue = new Queue(this.queueName, { connection: this.connection(), ...(options.prefix ? { prefix: options.prefix } : {}) });
  }

  private connection(): Redis {
    // BullMQ requires maxRetriesPerRequest: null on the connections it blocks on.
    const redis = createRedisClient(this.options.redisUrl, { maxRetriesPerRequest: null });
    redis.on('error', (error) => this.logger.warn({ err: error }, 'schedule timers: redis error'));
    this.connections.push(redis);
    return redis;
  }

  async start(handler: ScheduleHandler): Promise<void> {
    const lockMs = this.options.lockMs ?? 30_000;
    this.worker = new Worker(this.queueName, async (job) => handler(String(job.data.scheduleId), slotOf(job)), {
      connection: this.connection(),
      concurrency: this.options.concurrency ?? 4,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      maxStalledCount: 2,
      ...(this.options.prefix ? { prefix: this.options.prefix } : {}),
    });
    this.worker.on('failed', (job, error) => this.logger.warn({ err: error, jobId: job?.id }, 'schedule job failed'));
    this.worker.on('error', (error) => this.logger.warn({ err: error }, 'schedule worker error'));
    await this.worker.waitUntilReady();
  }

  async upsert(scheduleId: string, everyMs: number): Promise<void> {
    await this.queue.upsertJobScheduler(
      scheduleId,
      { every: everyMs },
      { name: 'run', data: { scheduleId }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  }

  async remove(scheduleId: string): Promise<void> {
    await this.queue.removeJobScheduler(scheduleId);
  }

  async list(): Promise<Map<string, number>> {
    const schedulers = await this.queue.getJobSchedulers(0, -1);
    return new Map(schedulers.map((scheduler) => [scheduler.key, Number(scheduler.every ?? 0)]));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await Promise.all(this.connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
  }

  /** Drops the connections without releasing locks (tests: a node that dies mid-run). */
  kill(): void {
    for (const redis of this.connections) redis.disconnect();
  }
}

/**
 * Durable jobs for long executions. The execution service only sees this interface: with
 * REDIS_URL it is backed by BullMQ (any node's worker takes the job, it survives a restart),
 * in embedded mode by an in-process runner with the same behaviour minus durability.
 */

/** Runs one execution by id; provided by the execution service. */
export type ExecutionJobHandler = (executionId: string, attempt: number) => Promise<void>;

/** Where long executions wait for a worker. */
export interface ExecutionJobQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Starts taking jobs with `handler` (call once). */
  start(handler: ExecutionJobHandler): Promise<void>;
  /** Queues one execution; rejects with 503 `unavailable` when the queue's store (Redis) is down. */
  enqueue(executionId: string): Promise<void>;
  /**
   * Queues an execution again if the queue has no live job for it (Redis restarted empty, a
   * job failed before it could claim its row, a crash between the row and the enqueue).
   * Idempotent: a job still waiting or running is left alone.
   */
  requeue(executionId: string): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
}

/** The embedded-mode queue: jobs run in this process, a few at a time. */
export class InProcessJobQueue implements ExecutionJobQueue {
  readonly kind = 'in-process' as const;
  private handler: ExecutionJobHandler | undefined;
  private readonly waiting: string[] = [];
  private readonly running = new Set<Promise<void>>();
  /** Ids waiting or running, so a requeue never runs one twice at a time. */
  private readonly live = new Set<string>();
  private closed = false;

  constructor(private readonly concurrency = 4) {}

  async start(handler: ExecutionJobHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async enqueue(executionId: string): Promise<void> {
    if (this.closed) throw new Error('job queue is closed');
    if (this.live.has(executionId)) return;
    this.live.add(executionId);
    this.waiting.push(executionId);
    this.pump();
  }

  async requeue(executionId: string): Promise<void> {
    await this.enqueue(executionId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    this.live.clear();
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    while (this.handler && this.running.size < this.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      const job = this.handler(id, 1)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(job);
          this.live.delete(id);
          this.pump();
        });
      this.running.add(job);
    }
  }
}

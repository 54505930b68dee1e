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
  /** Queues one execution. */
  enqueue(executionId: string): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
}

/** The embedded-mode queue: jobs run in this process, a few at a time. */
export class InProcessJobQueue implements ExecutionJobQueue {
  readonly kind = 'in-process' as const;
  private handler: ExecutionJobHandler | undefined;
  private readonly waiting: string[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly concurrency = 4) {}

  async start(handler: ExecutionJobHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async enqueue(executionId: string): Promise<void> {
    if (this.closed) throw new Error('job queue is closed');
    this.waiting.push(executionId);
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    while (this.handler && this.running.size < this.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      const job = this.handler(id, 1)
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(job);
          this.pump();
        });
      this.running.add(job);
    }
  }
}

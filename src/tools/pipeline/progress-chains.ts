/**
 * Progress writes of running executions, chained per execution so they land in the order the
 * tool reported them (a late "step 1" never overwrites "step 2"); the outcome waits for the
 * chain before it is written.
 */
import type { Execution, PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';

/** One chain of progress writes per running execution (owned by one ExecutionService). */
export class ProgressChains {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly onWritten: (row: Execution) => void,
  ) {}

  /** Queues one progress write for `id`. */
  report(id: string, progress: { message: string; fraction?: number }): void {
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(() =>
      this.prisma.execution
        .update({ where: { id }, data: { progress } })
        .then((row) => this.onWritten(row))
        .catch((error: unknown) => this.logger.warn({ err: error, executionId: id }, 'progress update failed')),
    );
    this.chains.set(id, next);
  }

  /** Makes the writes queued for `id` wait for `ready` (its row being stored), when none is queued yet. */
  after(id: string, ready: Promise<unknown>): void {
    if (!this.chains.has(id))
      this.chains.set(
        id,
        ready.then(
          () => undefined,
          () => undefined,
        ),
      );
  }

  /** Resolves once every progress write queued for `id` is done. */
  async settled(id: string): Promise<void> {
    await this.chains.get(id);
  }

  /** Forgets `id` (its execution finished). */
  delete(id: string): void {
    this.chains.delete(id);
  }
}

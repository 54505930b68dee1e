/**
 * A counting semaphore over every probe of a run, so one request never has more than
 * NET_MAX_CONCURRENCY processes or sockets in flight; records the peak for the report.
 */

/** Bounds concurrent work and remembers the highest concurrency reached. */
export class ProbeLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  peak = 0;

  constructor(private readonly limit: number) {}

  /** Runs `work` when a slot is free (a finishing probe hands its slot straight to a waiter). */
  async run<Result>(work: () => Promise<Result>): Promise<Result> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

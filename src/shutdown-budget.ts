/**
 * One shutdown budget (SHUTDOWN_TIMEOUT_MS) shared by every drain in turn: the chat bots'
 * acked jobs, the realtime gateway, in-flight HTTP requests. Each drain gets what the ones
 * before it left, a small reserve stays for closing the database and Redis, and the process
 * exits when the whole budget is spent, so compose's stop_grace_period (kept above it) never
 * has to kill it.
 */

/** What is left of the budget, and a way to bound one drain by it. */
export interface ShutdownBudget {
  totalMs: number;
  /** Milliseconds the drains may still use (never negative). */
  remainingMs(): number;
  /** Waits for `work`, at most the remaining drain time; says which came first. */
  bound(work: Promise<unknown> | undefined): Promise<'done' | 'budget spent'>;
}

/** Kept back from the drains for closing the database and Redis: a fifth, at most 1 s. */
export function reserveFor(totalMs: number): number {
  return Math.min(1_000, Math.floor(totalMs / 5));
}

/** Starts the clock on a budget of `totalMs`. */
export function createShutdownBudget(totalMs: number, now: () => number = Date.now): ShutdownBudget {
  const drainsEnd = now() + totalMs - reserveFor(totalMs);
  const remainingMs = () => Math.max(0, drainsEnd - now());
  return {
    totalMs,
    remainingMs,
    async bound(work) {
      if (!work) return 'done';
      let timer: NodeJS.Timeout | undefined;
      const spent = new Promise<'budget spent'>((resolve) => {
        timer = setTimeout(() => resolve('budget spent'), remainingMs());
      });
      try {
        return await Promise.race([work.then(() => 'done' as const), spent]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

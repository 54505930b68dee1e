/**
 * What fires schedules. The service only sees this interface: with REDIS_URL it is backed by
 * BullMQ job schedulers (one job per interval across every node, a job whose node died is
 * taken over by another), embedded by in-process timers. Either way the handler gets the
 * schedule id and the slot the run belongs to, so a run is recorded once per slot.
 */

/** Runs one slot of one schedule; provided by the schedule service. */
export type ScheduleHandler = (scheduleId: string, slot: Date) => Promise<void>;

/** The timers behind schedules. */
export interface ScheduleTimers {
  readonly kind: 'in-process' | 'bullmq';
  /** Starts taking runs with `handler` (call once). */
  start(handler: ScheduleHandler): Promise<void>;
  /** Creates or changes the timer of one schedule (idempotent). */
  upsert(scheduleId: string, everyMs: number): Promise<void>;
  /** Removes the timer of one schedule (absent: nothing). */
  remove(scheduleId: string): Promise<void>;
  /** The timers in force, by schedule id. */
  list(): Promise<Map<string, number>>;
  /** Stops firing and waits for the runs in progress. */
  close(): Promise<void>;
}

/** Embedded mode: one timer per schedule in this process, on slots aligned to the interval. */
export class InProcessScheduleTimers implements ScheduleTimers {
  readonly kind = 'in-process' as const;
  private handler: ScheduleHandler | undefined;
  private readonly timers = new Map<string, { everyMs: number; timer: NodeJS.Timeout }>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly onError: (error: unknown, scheduleId: string) => void = () => undefined) {}

  async start(handler: ScheduleHandler): Promise<void> {
    this.handler = handler;
  }

  async upsert(scheduleId: string, everyMs: number): Promise<void> {
    if (this.closed) return;
    const existing = this.timers.get(scheduleId);
    if (existing?.everyMs === everyMs) return;
    if (existing) clearTimeout(existing.timer);
    // The first run at once (like BullMQ's `every`), then on each slot boundary.
    this.arm(scheduleId, everyMs, 0);
  }

  private arm(scheduleId: string, everyMs: number, delayMs: number): void {
    const timer = setTimeout(() => {
      const slot = new Date(Math.floor(Date.now() / everyMs) * everyMs);
      const next = slot.getTime() + everyMs - Date.now();
      this.arm(scheduleId, everyMs, Math.max(0, next));
      if (!this.handler) return;
      const run = this.handler(scheduleId, slot)
        .catch((error: unknown) => this.onError(error, scheduleId))
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }, delayMs);
    timer.unref();
    this.timers.set(scheduleId, { everyMs, timer });
  }

  async remove(scheduleId: string): Promise<void> {
    const existing = this.timers.get(scheduleId);
    if (existing) clearTimeout(existing.timer);
    this.timers.delete(scheduleId);
  }

  async list(): Promise<Map<string, number>> {
    return new Map([...this.timers].map(([id, entry]) => [id, entry.everyMs]));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.timers.values()) clearTimeout(entry.timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}

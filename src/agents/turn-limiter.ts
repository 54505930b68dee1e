/**
 * Bounds the model turns of one node: at most `maxConcurrent` run at once, the next ones wait
 * in FIFO order, and past `maxQueued` waiting turns a new one is refused with 503 `busy`, so a
 * burst of console or REST messages queues visibly instead of piling onto the model.
 */
import { AppError } from '../errors.js';

/** Bounds and the queue's state. */
export interface TurnLimiterOptions {
  maxConcurrent: number;
  maxQueued: number;
}

/** A FIFO semaphore with a bounded queue; one per AgentService. */
export class TurnLimiter {
  private running = 0;
  private readonly waiting: Array<{
    resolve: () => void;
    reject: (error: unknown) => void;
    signal?: AbortSignal | undefined;
    onAbort?: () => void;
  }> = [];

  constructor(private readonly options: TurnLimiterOptions) {}

  /** Turns running and waiting now. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  /** Whether `acquire` would run or queue a turn now rather than refuse it. */
  get hasRoom(): boolean {
    return this.running < this.options.maxConcurrent || this.waiting.length < this.options.maxQueued;
  }

  /**
   * Waits for a slot. `onQueued(position)` is called once when the turn has to wait (1 = next).
   * Throws `busy` (503) when the queue is full, or the signal's reason when aborted while waiting.
   */
  async acquire(onQueued?: (position: number) => void, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.running < this.options.maxConcurrent && this.waiting.length === 0) {
      this.running += 1;
      return this.releaser();
    }
    if (this.waiting.length >= this.options.maxQueued)
      throw new AppError(
        'busy',
        503,
        `The agent is busy (${this.running} turns running, ${this.waiting.length} waiting); try again shortly`,
      );
    await new Promise<void>((resolve, reject) => {
      const entry: (typeof this.waiting)[number] = { resolve, reject, signal };
      if (signal) {
        entry.onAbort = () => {
          const index = this.waiting.indexOf(entry);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
      onQueued?.(this.waiting.length);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (!next) {
        this.running -= 1;
        return;
      }
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
      // The slot passes straight to the next turn: `running` is unchanged.
      next.resolve();
    };
  }
}

/**
 * A fair FIFO pool of leased resources (the context's sequences) with a bounded wait queue.
 * Callers beyond the queue depth get an immediate `busy` UnavailableError (503 / ack error)
 * instead of piling up; a caller that aborts while queued leaves the line at once. A freed
 * item goes straight to the longest waiter, so nobody can jump the queue.
 */
import { UnavailableError } from '../errors.js';

/** A lease on one pooled item; release() is idempotent. */
export interface PoolLease<T> {
  item: T;
  release(): void;
}

interface Waiter<T> {
  resolve(lease: PoolLease<T>): void;
  reject(error: unknown): void;
  cleanup(): void;
}

/** Snapshot for /api/models and metrics. */
export interface PoolState {
  size: number;
  inUse: number;
  queued: number;
  maxQueueDepth: number;
}

/** Builds an AbortError the same way the platform does, for callers that check `name`. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The pool; `onChange` lets metrics follow queue depth without polling. */
export class SequencePool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private inUse = 0;
  private closed = false;

  constructor(
    items: T[],
    private readonly maxQueueDepth: number,
    private readonly onChange: (state: PoolState) => void = () => undefined,
  ) {
    this.free = [...items];
  }

  /** Current occupancy. */
  state(): PoolState {
    return { size: this.free.length + this.inUse, inUse: this.inUse, queued: this.waiters.length, maxQueueDepth: this.maxQueueDepth };
  }

  /** Resolves with a lease when an item is free; rejects with `busy` when the queue is full. */
  acquire(signal?: AbortSignal): Promise<PoolLease<T>> {
    if (this.closed) return Promise.reject(new UnavailableError('model_unavailable', 'The local model is shutting down'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const item = this.free.shift();
    if (item !== undefined) {
      this.inUse += 1;
      this.onChange(this.state());
      return Promise.resolve(this.lease(item));
    }
    if (this.waiters.length >= this.maxQueueDepth) {
      return Promise.reject(
        new UnavailableError(
          'busy',
          `The local model is busy: ${this.inUse} generations running and ${this.waiters.length} waiting (LLM_QUEUE_DEPTH=${this.maxQueueDepth}); retry shortly`,
        ),
      );
    }
    return new Promise<PoolLease<T>>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        this.onChange(this.state());
        reject(abortError(signal!));
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.onChange(this.state());
    });
  }

  /** Rejects every waiter; later acquires fail. Items in use are released normally. */
  close(): T[] {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(new UnavailableError('model_unavailable', 'The local model is shutting down'));
    }
    this.onChange(this.state());
    return this.free.splice(0);
  }

  private lease(item: T): PoolLease<T> {
    let released = false;
    return {
      item,
      release: () => {
        if (released) return;
        released = true;
        this.handOver(item);
      },
    };
  }

  private handOver(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.cleanup();
      waiter.resolve(this.lease(item));
    } else {
      this.inUse -= 1;
      this.free.push(item);
    }
    this.onChange(this.state());
  }
}

/**
 * A small pool of ingest workers (worker_threads). Files are handed out as workers free up,
 * with two in flight per worker so none idles while its reply crosses the thread boundary.
 */
import { Worker } from 'node:worker_threads';
import type { AtomStoreOptions } from './atom-store.js';
import type { ChunkSizes } from './fastcdc.js';
import type { ProcessedFile } from './file-processor.js';

/** A file for a worker to process. */
export interface WorkerRequest {
  id: number;
  path: string;
}

/** A worker's answer: the processed file, or the error that made it skip the file. */
export type WorkerReply = { id: number; ok: true; file: ProcessedFile } | { id: number; ok: false; code: string; message: string };

const IN_FLIGHT_PER_WORKER = 2;

const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Starts an ingest worker. Built code loads ingest-worker.js directly; from source (tests,
 * benchmarks under tsx) a tiny bootstrap registers tsx inside the worker first, because
 * loader hooks of the main thread do not reach worker threads on Node 20.
 */
function startWorker(workerData: unknown): Worker {
  if (!RUNNING_FROM_SOURCE) return new Worker(new URL('./ingest-worker.js', import.meta.url), { workerData });
  const entry = new URL('./ingest-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Slot {
  worker: Worker;
  pending: Map<number, (reply: WorkerReply) => void>;
}

/** Runs FileProcessor jobs on N threads. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 0;
  private failure: Error | null = null;

  constructor(size: number, settings: { store: AtomStoreOptions; chunkSizes: ChunkSizes }) {
    for (let index = 0; index < size; index += 1) {
      const worker = startWorker(settings);
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: WorkerReply) => {
        const resolve = slot.pending.get(reply.id);
        slot.pending.delete(reply.id);
        resolve?.(reply);
        this.waiting.shift()?.();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (slot.pending.size > 0) this.fail(new Error(`ingest worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /** Processes one file; resolves when a worker answered. Waits for a free slot first. */
  async process(path: string): Promise<WorkerReply> {
    for (;;) {
      if (this.failure) throw this.failure;
      const slot = this.slots.reduce((best, candidate) => (candidate.pending.size < best.pending.size ? candidate : best));
      if (slot.pending.size < IN_FLIGHT_PER_WORKER) {
        const id = (this.nextId += 1);
        return new Promise<WorkerReply>((resolve) => {
          slot.pending.set(id, resolve);
          slot.worker.postMessage({ id, path } satisfies WorkerRequest);
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Stops every worker (also on abort: in-flight files are dropped, never half-recorded). */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const slot of this.slots) {
      for (const resolve of slot.pending.values()) resolve({ id: -1, ok: false, code: 'EWORKER', message: error.message });
      slot.pending.clear();
    }
    for (const wake of this.waiting.splice(0)) wake();
  }
}

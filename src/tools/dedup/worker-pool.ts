/**
 * A small pool of dedup workers (worker_threads) for ingest and restore. Work travels in
 * batches (dozens of small files per message, see `batchFiles`), so a tree of tiny files does
 * not pay one thread round trip per file, and two batches are in flight per worker so none
 * idles while a reply crosses the thread boundary.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as Esbuild from 'esbuild';
import type { AtomStoreOptions } from './atom-store.js';
import type { ChunkSizes } from './fastcdc.js';
import type { ProcessedFile, WrittenAtom } from './file-processor.js';
import type { RestoreJob, RestoreOutcome } from './restore-writer.js';

/** One file's ingest outcome: the processed file, or the error that made it skip the file. */
export type FileOutcome = { ok: true; file: ProcessedFile } | { ok: false; code: string; message: string };

/** A batch for a worker. */
export type WorkerRequest = { id: number; kind: 'ingest'; paths: string[] } | { id: number; kind: 'restore'; jobs: RestoreJob[] };

/** A worker's answer to one batch, outcomes in request order; an ingest's with the atoms it wrote (durable). */
export type WorkerReply =
  | { id: number; kind: 'ingest'; outcomes: FileOutcome[]; written: WrittenAtom[] }
  | { id: number; kind: 'restore'; outcomes: RestoreOutcome[] };

/** An ingest batch's result: per-file outcomes and every atom the batch appended to a pack. */
export interface IngestBatchResult {
  outcomes: FileOutcome[];
  written: WrittenAtom[];
}

/** What every worker is started with. */
export interface WorkerSettings {
  store: AtomStoreOptions;
  chunkSizes: ChunkSizes;
  /** The ingest's shared atom index (atom-index.ts); absent for restore. */
  index?: SharedArrayBuffer;
  /** This worker's number (set by the pool): the owner of the atoms it claims. */
  workerIndex: number;
}

const IN_FLIGHT_PER_WORKER = 2;
/** A batch closes at this many files or bytes, whichever comes first. */
const BATCH_FILES = 64;
const BATCH_BYTES = 8 * 1024 * 1024;

const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * Gathers work into batches by count and bytes (a large file travels alone), keeping order:
 * `add` returns a batch when one is full, `drain` the rest. Used by ingest and restore alike.
 */
export class Batcher<T> {
  private current: T[] = [];
  private bytes = 0;

  /** Adds one item; returns the batch it completed, if any. */
  add(item: T, size: number): T[] | null {
    let full: T[] | null = null;
    if (this.current.length > 0 && (this.current.length >= BATCH_FILES || this.bytes + size > BATCH_BYTES)) full = this.drain();
    this.current.push(item);
    this.bytes += size;
    return full;
  }

  /** The items not yet handed out (possibly none). */
  drain(): T[] {
    const batch = this.current;
    this.current = [];
    this.bytes = 0;
    return batch;
  }
}

/**
 * The worker's code when running from source (tests, benchmarks under tsx): bundled once per
 * pool by esbuild (a dev dependency) into plain JavaScript, which starts in tens of
 * milliseconds where registering tsx inside each worker took about half a second. Null when
 * esbuild is not installed; then the tsx bootstrap is used.
 */
function bundledSource(): string | null {
  try {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
    const result = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL('./ingest-worker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  } catch (error) {
    process.emitWarning(`dedup worker bundle unavailable, starting workers through tsx: ${(error as Error).message}`);
    return null;
  }
}

/**
 * Starts a worker. Built code loads ingest-worker.js directly; from source, the esbuild
 * bundle or, without esbuild, a bootstrap that registers tsx inside the worker first (loader
 * hooks of the main thread do not reach worker threads on Node 20).
 */
function startWorker(workerData: WorkerSettings, source: string | null): Worker {
  if (!RUNNING_FROM_SOURCE) return new Worker(new URL('./ingest-worker.js', import.meta.url), { workerData });
  if (source) return new Worker(source, { eval: true, workerData });
  const entry = new URL('./ingest-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface Slot {
  worker: Worker;
  pending: Map<number, (reply: WorkerReply | Error) => void>;
}

/** Runs ingest and restore batches on N threads. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 0;
  private failure: Error | null = null;

  constructor(size: number, settings: Omit<WorkerSettings, 'workerIndex'>) {
    const source = RUNNING_FROM_SOURCE ? bundledSource() : null;
    for (let index = 0; index < size; index += 1) {
      const worker = startWorker({ ...settings, workerIndex: index }, source);
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: WorkerReply) => {
        const resolve = slot.pending.get(reply.id);
        slot.pending.delete(reply.id);
        resolve?.(reply);
        this.waiting.shift()?.();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (slot.pending.size > 0) this.fail(new Error(`dedup worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /** Ingests a batch of files; outcomes in the same order. Waits for a free slot first. */
  async ingest(paths: string[]): Promise<IngestBatchResult> {
    const reply = await this.send((id) => ({ id, kind: 'ingest', paths }));
    if (reply.kind !== 'ingest') throw new Error('dedup worker answered the wrong kind of batch');
    return { outcomes: reply.outcomes, written: reply.written };
  }

  /** Restores a batch of files; outcomes in the same order. */
  async restore(jobs: RestoreJob[]): Promise<RestoreOutcome[]> {
    const reply = await this.send((id) => ({ id, kind: 'restore', jobs }));
    if (reply.kind !== 'restore') throw new Error('dedup worker answered the wrong kind of batch');
    return reply.outcomes;
  }

  private async send(build: (id: number) => WorkerRequest): Promise<WorkerReply> {
    for (;;) {
      if (this.failure) throw this.failure;
      const slot = this.slots.reduce((best, candidate) => (candidate.pending.size < best.pending.size ? candidate : best));
      if (slot.pending.size < IN_FLIGHT_PER_WORKER) {
        const id = (this.nextId += 1);
        const reply = await new Promise<WorkerReply | Error>((resolve) => {
          slot.pending.set(id, resolve);
          slot.worker.postMessage(build(id));
        });
        if (reply instanceof Error) throw reply;
        return reply;
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
      for (const resolve of slot.pending.values()) resolve(error);
      slot.pending.clear();
    }
    for (const wake of this.waiting.splice(0)) wake();
  }
}

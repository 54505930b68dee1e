/**
 * Worker-thread entry of the dedup pool: each worker owns a FileProcessor (ingest: read,
 * chunk, hash, store atoms) and a RestoreWriter (restore: read atoms, write, check), and
 * answers one message per batch, so hashing and file I/O use every core while the main
 * thread walks the tree, pages through the database and commits metadata.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AtomStore } from './atom-store.js';
import { ChunkParameters } from './fastcdc.js';
import { FileProcessor } from './file-processor.js';
import { RestoreWriter } from './restore-writer.js';
import type { FileOutcome, WorkerReply, WorkerRequest, WorkerSettings } from './worker-pool.js';

const settings = workerData as WorkerSettings;
const store = new AtomStore(settings.store);
const processor = new FileProcessor(store, new ChunkParameters(settings.chunkSizes));
const writer = new RestoreWriter(store);

function ingestOne(filePath: string): FileOutcome {
  try {
    return { ok: true, file: processor.process(filePath) };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    return { ok: false, code: failure.code ?? 'EIO', message: failure.message };
  }
}

parentPort!.on('message', (request: WorkerRequest) => {
  const reply: WorkerReply =
    request.kind === 'ingest'
      ? { id: request.id, kind: 'ingest', outcomes: request.paths.map(ingestOne) }
      : { id: request.id, kind: 'restore', outcomes: writer.writeAll(request.jobs) };
  parentPort!.postMessage(reply);
});

/**
 * Worker-thread entry of the ingest pool: each worker owns a FileProcessor and answers one
 * message per file, so chunking and hashing use every core while the main thread walks the
 * tree and commits metadata.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AtomStore, type AtomStoreOptions } from './atom-store.js';
import { ChunkParameters, type ChunkSizes } from './fastcdc.js';
import { FileProcessor } from './file-processor.js';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';

const settings = workerData as { store: AtomStoreOptions; chunkSizes: ChunkSizes };
const processor = new FileProcessor(new AtomStore(settings.store), new ChunkParameters(settings.chunkSizes));

parentPort!.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: request.id, ok: true, file: processor.process(request.path) };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    reply = { id: request.id, ok: false, code: failure.code ?? 'EIO', message: failure.message };
  }
  parentPort!.postMessage(reply);
});

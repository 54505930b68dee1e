/**
 * Worker-thread entry of the dedup pool: each worker owns a FileProcessor (ingest: read,
 * chunk, hash, append new atoms to its own pack) and a RestoreWriter (restore: read atoms from
 * packs, write, check), and answers one message per batch, so hashing and file I/O use every
 * core while the main thread walks the tree, pages through the database and commits metadata.
 * An ingest batch's reply carries the atoms it wrote, synced to disk first (fsync when on).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AtomIndex } from './atom-index.js';
import { AtomStore } from './atom-store.js';
import { ChunkParameters } from './fastcdc.js';
import { FileProcessor } from './file-processor.js';
import { PackWriter } from './pack-writer.js';
import { RestoreWriter } from './restore-writer.js';
import type { FileOutcome, WorkerReply, WorkerRequest, WorkerSettings } from './worker-pool.js';

const settings = workerData as WorkerSettings;
const store = new AtomStore(settings.store);
const packs = new PackWriter({ directory: store.directory, compression: store.compression, fsync: store.fsync });
const processor = settings.index
  ? new FileProcessor(new AtomIndex(settings.index), settings.workerIndex, packs, new ChunkParameters(settings.chunkSizes))
  : null;
const writer = new RestoreWriter(store);

function ingestOne(filePath: string): FileOutcome {
  try {
    return { ok: true, file: processor!.process(filePath) };
  } catch (error) {
    if (packs.broken) throw error; // the store cannot be written: stop the ingest, not just this file
    const failure = error as NodeJS.ErrnoException;
    return { ok: false, code: failure.code ?? 'EIO', message: failure.message };
  }
}

parentPort!.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  if (request.kind === 'ingest') {
    if (!processor) throw new Error('this dedup pool was started without an atom index');
    const outcomes = request.paths.map(ingestOne);
    packs.sync(); // the locations below are durable before the main thread can commit them
    reply = { id: request.id, kind: 'ingest', outcomes, written: processor.drainWritten() };
  } else {
    reply = { id: request.id, kind: 'restore', outcomes: writer.writeAll(request.jobs) };
  }
  parentPort!.postMessage(reply);
});

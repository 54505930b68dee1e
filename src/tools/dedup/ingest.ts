/**
 * Ingest: walks a tree, hands changed files to the worker pool in batches (the workers append new
 * atoms to their packs, claimed in a shared index of every known atom so each is written once),
 * and commits metadata in batches after the batch's atoms are durable. Unchanged files (same size, mtime, mode as the
 * previous complete snapshot of the root) are copied by reference without being read. A
 * crash or abort leaves the snapshot `running`: every committed file is fully restorable, and
 * running the same ingest again resumes it (or `dedup delete` rolls it back).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../../db/database.js';
import { AppError, ValidationError } from '../../errors.js';
import { AtomIndex, indexCapacity } from './atom-index.js';
import { AtomStore } from './atom-store.js';
import type { DedupSettings } from './dedup-settings.js';
import { validateSnapshotName } from './dedup-settings.js';
import {
  beginSnapshot,
  commitBatch,
  completeSnapshot,
  countAtoms,
  forEachAtomId,
  latestSnapshot,
  loadKnownFiles,
  type KnownFile,
  type NewAtomRow,
  type NewFileRow,
} from './metadata-store.js';
import type { ProcessedFile } from './file-processor.js';
import { walkTree, type WalkEntry, type WalkProblem } from './tree-walker.js';
import { Batcher, WorkerPool, type FileOutcome } from './worker-pool.js';

/** Live progress, emitted a few times a second. */
export interface IngestProgress {
  snapshot: string;
  filesSeen: number;
  filesDone: number;
  bytesDone: number;
  bytesRead: number;
  elapsedSeconds: number;
}

/** What an ingest did. */
export interface IngestReport {
  snapshot: string;
  root: string;
  resumed: boolean;
  previousSnapshot: string | null;
  files: number;
  filesRead: number;
  filesUnchanged: number;
  filesResumed: number;
  symlinks: number;
  bytes: number;
  bytesRead: number;
  newAtoms: number;
  newAtomBytes: number;
  newStoredBytes: number;
  problemCount: number;
  problems: WalkProblem[];
  seconds: number;
  megabytesPerSecond: number;
  filesPerSecond: number;
}

/** Ingest options. */
export interface IngestOptions {
  root: string;
  snapshot?: string;
  /** Re-read every file even when unchanged since the previous snapshot. */
  full?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
  /** Files per metadata commit. */
  batchSize?: number;
  /** Least time between two progress reports (default 200 ms; 0 reports every file). */
  progressIntervalMs?: number;
}

const MAX_LISTED_PROBLEMS = 100;

/** Resolves and checks the root directory with clear errors. */
export async function resolveRoot(root: string): Promise<string> {
  if (!root || root.includes('\0')) throw new ValidationError('a directory to ingest is required');
  let stat;
  try {
    stat = await fs.stat(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ValidationError(`directory not found: ${root}`);
    if (code === 'EACCES' || code === 'EPERM') throw new ValidationError(`permission denied: ${root}`);
    if (code === 'ELOOP') throw new ValidationError(`symbolic link loop: ${root}`);
    throw error;
  }
  if (!stat.isDirectory()) throw new ValidationError(`not a directory: ${root} (ingest takes a directory)`);
  return fs.realpath(root);
}

function defaultSnapshotName(root: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const base =
    (path.basename(root) || 'root')
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 60) || 'root';
  return `${base}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Runs one ingest; throws on abort or store failure (the snapshot then stays resumable). */
export async function ingestTree(database: Database, settings: DedupSettings, options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const root = await resolveRoot(options.root);
  if (
    root === settings.storeDirectory ||
    root.startsWith(settings.storeDirectory + path.sep) ||
    settings.storeDirectory.startsWith(root + path.sep)
  ) {
    throw new ValidationError(`cannot ingest ${root}: it contains or is inside the dedup store ${settings.storeDirectory}`);
  }
  const name = validateSnapshotName(options.snapshot ?? defaultSnapshotName(root));
  const store = new AtomStore({ directory: settings.storeDirectory, compression: settings.compression, fsync: settings.fsync });
  store.initialise();
  const { snapshot, resumed } = await beginSnapshot(database.sql, name, root);
  const alreadyCommitted = resumed ? await loadKnownFiles(database.sql, snapshot.id) : new Map<string, KnownFile>();
  const previous = options.full ? null : await latestSnapshot(database.sql, root, snapshot.id);
  const previousFiles = previous ? await loadKnownFiles(database.sql, previous.id) : new Map<string, KnownFile>();

  const report: IngestReport = {
    snapshot: name,
    root,
    resumed,
    previousSnapshot: previous?.name ?? null,
    files: 0,
    filesRead: 0,
    filesUnchanged: 0,
    filesResumed: 0,
    symlinks: 0,
    bytes: 0,
    bytesRead: 0,
    newAtoms: 0,
    newAtomBytes: 0,
    newStoredBytes: 0,
    problemCount: 0,
    problems: [],
    seconds: 0,
    megabytesPerSecond: 0,
    filesPerSecond: 0,
  };
  const addProblem = (problem: WalkProblem) => {
    report.problemCount += 1;
    if (report.problems.length < MAX_LISTED_PROBLEMS) report.problems.push(problem);
  };
  const batchSize = options.batchSize ?? 2000;
  let batchFiles: NewFileRow[] = [];
  let batchCopies: string[] = [];
  let batchAtoms: NewAtomRow[] = [];
  /** Atoms written in this ingest whose rows are queued (in this batch or a committed one). */
  const located = new Set<string>();
  /** Files waiting for an atom another worker claimed, until its row is queued. */
  let deferred: Array<{ entry: WalkEntry; file: ProcessedFile }> = [];
  let commitChain: Promise<void> = Promise.resolve();
  let commitFailure: unknown = null;
  let filesSeen = 0;
  let lastProgress = 0;
  const progressInterval = options.progressIntervalMs ?? 200;

  const flush = () => {
    const files = batchFiles,
      copies = batchCopies,
      atoms = batchAtoms;
    batchFiles = [];
    batchCopies = [];
    batchAtoms = [];
    commitChain = commitChain.then(async () => {
      if (commitFailure) return;
      try {
        await commitBatch(database.sql, snapshot.id, files, copies, atoms);
      } catch (error) {
        commitFailure = error;
      }
    });
  };
  const progress = (force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < progressInterval)) return;
    lastProgress = now;
    options.onProgress({
      snapshot: name,
      filesSeen,
      filesDone: report.files,
      bytesDone: report.bytes,
      bytesRead: report.bytesRead,
      elapsedSeconds: (now - started) / 1000,
    });
  };
  const record = (row: NewFileRow | null, copyId: string | null, size: number) => {
    if (row) batchFiles.push(row);
    if (copyId) batchCopies.push(copyId);
    report.files += 1;
    report.bytes += size;
    if (batchFiles.length + batchCopies.length >= batchSize) flush();
    progress();
  };

  // Started with the first file to read, so an ingest where nothing changed loads no index and starts no thread.
  let pool = null as WorkerPool | null;
  const startPool = async () => {
    // Loaded after the snapshot is `running`: gc, which refuses while one is, cannot remove any of these.
    const index = new AtomIndex(indexCapacity(await countAtoms(database.sql)));
    await forEachAtomId(database.sql, (hash) => index.addKnown(Buffer.from(hash, 'hex')));
    return new WorkerPool(settings.workers, {
      store: { directory: settings.storeDirectory, compression: settings.compression, fsync: settings.fsync },
      chunkSizes: settings.chunkSizes,
      index: index.buffer,
    });
  };
  const inFlight = new Set<Promise<void>>();
  const limit = settings.workers * 2;
  const batcher = new Batcher<WalkEntry>();
  let workerFailure: unknown = null;
  const settle = (entry: WalkEntry, outcome: FileOutcome) => {
    if (!outcome.ok) {
      addProblem({ path: entry.relativePath, code: outcome.code, message: outcome.message });
      return;
    }
    const file = outcome.file;
    report.filesRead += 1;
    report.bytesRead += file.size;
    report.newAtoms += file.newAtoms;
    report.newAtomBytes += file.newAtomBytes;
    report.newStoredBytes += file.newStoredBytes;
    if (file.waits.every((hash) => located.has(hash))) recordFile(entry, file);
    else deferred.push({ entry, file });
  };
  const recordFile = (entry: WalkEntry, file: ProcessedFile) => {
    record(
      {
        path: entry.relativePath,
        kind: 'file',
        size: file.size,
        mode: file.mode,
        mtimeNs: file.mtimeNs,
        hash: file.hash,
        linkTarget: null,
        atoms: file.atoms,
      },
      null,
      file.size,
    );
  };
  const releaseDeferred = () => {
    const waiting = deferred;
    deferred = [];
    for (const { entry, file } of waiting) {
      if (file.waits.every((hash) => located.has(hash))) recordFile(entry, file);
      else deferred.push({ entry, file });
    }
  };
  const dispatch = async (entries: WalkEntry[]) => {
    if (entries.length === 0) return;
    while (inFlight.size >= limit) await Promise.race(inFlight).catch(() => undefined); // a failure is kept in workerFailure
    pool ??= await startPool();
    const task = pool.ingest(entries.map((entry) => entry.absolutePath)).then(({ outcomes, written }) => {
      for (const atom of written) {
        batchAtoms.push(atom); // queued before any file that references it
        located.add(atom.hash);
      }
      outcomes.forEach((outcome, index) => settle(entries[index]!, outcome));
      if (written.length > 0 && deferred.length > 0) releaseDeferred();
    });
    inFlight.add(task);
    void task.then(
      () => inFlight.delete(task),
      (error: unknown) => {
        workerFailure ??= error;
        inFlight.delete(task);
      },
    );
  };

  try {
    for await (const entry of walkTree(root, addProblem)) {
      if (options.signal?.aborted)
        throw new AppError(
          'aborted',
          499,
          `ingest of ${name} aborted; run it again with --snapshot ${name} to resume, or delete the snapshot`,
        );
      if (commitFailure) throw commitFailure;
      if (workerFailure) throw workerFailure;
      filesSeen += 1;
      if (alreadyCommitted.has(entry.relativePath)) {
        report.filesResumed += 1;
        continue;
      }
      if (entry.kind === 'symlink') {
        report.symlinks += 1;
        const hash = createHash('sha256')
          .update(entry.linkTarget ?? '')
          .digest('hex');
        record(
          {
            path: entry.relativePath,
            kind: 'symlink',
            size: 0,
            mode: entry.mode,
            mtimeNs: entry.mtimeNs,
            hash,
            linkTarget: entry.linkTarget,
            atoms: [],
          },
          null,
          0,
        );
        continue;
      }
      const known = previousFiles.get(entry.relativePath);
      if (known && known.kind === 'file' && known.size === entry.size && known.mtimeNs === entry.mtimeNs && known.mode === entry.mode) {
        report.filesUnchanged += 1;
        record(null, known.id, entry.size);
        continue;
      }
      const full = batcher.add(entry, entry.size);
      if (full) await dispatch(full);
    }
    await dispatch(batcher.drain());
    await Promise.allSettled(inFlight);
    if (workerFailure) throw workerFailure;
    for (const { entry } of deferred) {
      addProblem({ path: entry.relativePath, code: 'EATOM', message: 'an atom it shares with another file was never written' });
    }
    flush();
    await commitChain;
    if (commitFailure) throw commitFailure;
    if (options.signal?.aborted)
      throw new AppError('aborted', 499, `ingest of ${name} aborted; run it again with --snapshot ${name} to resume`);
  } finally {
    await pool?.close();
    await Promise.allSettled(inFlight);
    await commitChain;
  }
  report.seconds = (performance.now() - started) / 1000;
  report.megabytesPerSecond = report.bytesRead / 1e6 / Math.max(report.seconds, 1e-6);
  report.filesPerSecond = report.files / Math.max(report.seconds, 1e-6);
  progress(true);
  await completeSnapshot(database.sql, snapshot.id, report);
  return report;
}

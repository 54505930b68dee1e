/**
 * Restore: rebuilds a file or a tree from a snapshot, bit for bit, with modes and mtimes.
 * The main thread pages through the snapshot, validates every path and creates directories
 * (once each); the worker pool writes the files in batches (restore-writer.ts: temporary
 * name, whole-file SHA-256 check, rename), so a failed restore never leaves a wrong file
 * under the right name and reading, hashing and writing use every core.
 * Paths from the database are re-validated: nothing is ever written outside the destination.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { normaliseSnapshotPath, validateSnapshotName, type DedupSettings } from './dedup-settings.js';
import { requireSnapshot } from './metadata-store.js';
import type { RestoreJob } from './restore-writer.js';
import { snapshotFiles, type StoredFile } from './snapshot-files.js';
import { Batcher, WorkerPool } from './worker-pool.js';

/** What a restore did. */
export interface RestoreReport {
  snapshot: string;
  destination: string;
  files: number;
  symlinks: number;
  bytes: number;
  seconds: number;
  megabytesPerSecond: number;
  problems: Array<{ path: string; message: string }>;
}

function isInside(parent: string, child: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/** Restores `snapshotPath` ('' = whole tree) of a snapshot into `destination`. */
export async function restoreSnapshot(
  database: Database,
  settings: DedupSettings,
  options: { snapshot: string; path: string; destination: string },
): Promise<RestoreReport> {
  const started = performance.now();
  const snapshot = await requireSnapshot(database.sql, validateSnapshotName(options.snapshot));
  const prefix = normaliseSnapshotPath(options.path);
  if (!options.destination || options.destination.includes('\0')) throw new ValidationError('a destination path is required');
  const destination = path.resolve(options.destination);
  if (isInside(settings.storeDirectory, destination) || isInside(destination, settings.storeDirectory)) {
    throw new ValidationError(`cannot restore into or over the dedup store (${settings.storeDirectory})`);
  }
  const report: RestoreReport = {
    snapshot: snapshot.name,
    destination,
    files: 0,
    symlinks: 0,
    bytes: 0,
    seconds: 0,
    megabytesPerSecond: 0,
    problems: [],
  };

  const files = snapshotFiles(database.sql, snapshot.id, prefix);
  const first = await files.next();
  if (first.done) throw new NotFoundError(`Path ${JSON.stringify(prefix || '.')} in snapshot ${snapshot.name}`);
  const single = first.value.path === prefix && prefix !== '';
  let root = destination;
  if (single) {
    const existing = fs.statSync(destination, { throwIfNoEntry: false });
    if (existing?.isDirectory()) root = path.join(destination, path.basename(prefix));
    if (fs.lstatSync(root, { throwIfNoEntry: false })) throw new ConflictError(`${root} already exists; restore never overwrites`);
    fs.mkdirSync(path.dirname(root), { recursive: true });
  } else {
    const existing = fs.lstatSync(destination, { throwIfNoEntry: false });
    if (existing && (!existing.isDirectory() || fs.readdirSync(destination).length > 0)) {
      throw new ConflictError(`${destination} must be a new or empty directory; restore never overwrites`);
    }
    fs.mkdirSync(destination, { recursive: true });
  }

  const symlinks: Array<{ target: string; file: StoredFile }> = [];
  const pool = new WorkerPool(settings.workers, { store: { directory: settings.storeDirectory }, chunkSizes: settings.chunkSizes });
  const batcher = new Batcher<RestoreJob>();
  const inFlight = new Set<Promise<void>>();
  let poolFailure: unknown = null;
  const created = new Set<string>([root]);
  const ensureDirectory = (directory: string) => {
    if (created.has(directory)) return;
    fs.mkdirSync(directory, { recursive: true });
    created.add(directory);
  };
  const dispatch = async (jobs: RestoreJob[]) => {
    if (jobs.length === 0) return;
    while (inFlight.size >= settings.workers * 2) await Promise.race(inFlight);
    const task = pool.restore(jobs).then(
      (outcomes) =>
        outcomes.forEach((outcome, index) => {
          const job = jobs[index]!;
          if (outcome.ok) {
            report.files += 1;
            report.bytes += job.size;
          } else report.problems.push({ path: job.path, message: outcome.message });
        }),
      (error: unknown) => {
        poolFailure ??= error;
      },
    );
    inFlight.add(task);
    void task.then(() => inFlight.delete(task));
  };
  const restoreOne = async (file: StoredFile) => {
    let target = root;
    if (!single) {
      const relative = normaliseSnapshotPath(prefix ? file.path.slice(prefix.length + 1) : file.path);
      target = path.join(root, relative);
      if (!relative || !isInside(root, target) || target === root)
        throw new ValidationError(`refusing to restore ${JSON.stringify(file.path)} outside ${root}`);
      ensureDirectory(path.dirname(target));
    }
    if (file.kind === 'symlink') symlinks.push({ target, file });
    else {
      const full = batcher.add(
        { target, path: file.path, atoms: file.atoms, size: file.size, hash: file.hash, mode: file.mode, mtimeNs: file.mtimeNs },
        file.size,
      );
      if (full) await dispatch(full);
    }
  };
  const attempt = async (file: StoredFile) => {
    if (poolFailure) throw poolFailure;
    try {
      await restoreOne(file);
    } catch (error) {
      if (error instanceof ValidationError || error === poolFailure) throw error;
      report.problems.push({ path: file.path, message: (error as Error).message });
    }
  };
  try {
    await attempt(first.value);
    for await (const file of files) await attempt(file);
    await dispatch(batcher.drain());
    await Promise.all(inFlight);
    if (poolFailure) throw poolFailure;
  } finally {
    await Promise.all(inFlight);
    await pool.close();
  }
  // Links last, so no file is ever written through a link restored from the snapshot.
  for (const { target, file } of symlinks) {
    try {
      fs.symlinkSync(file.linkTarget ?? '', target);
      const seconds = Number(BigInt(file.mtimeNs)) / 1e9;
      fs.lutimesSync(target, seconds, seconds);
      report.symlinks += 1;
    } catch (error) {
      report.problems.push({ path: file.path, message: (error as Error).message });
    }
  }
  report.seconds = (performance.now() - started) / 1000;
  report.megabytesPerSecond = report.bytes / 1e6 / Math.max(report.seconds, 1e-6);
  return report;
}

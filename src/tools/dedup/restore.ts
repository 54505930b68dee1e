/**
 * Restore: rebuilds a file or a tree from a snapshot, bit for bit, with modes and mtimes.
 * Every file is written to a temporary name, checked against its whole-file SHA-256, then
 * renamed into place, so a failed restore never leaves a wrong file under the right name.
 * Paths from the database are re-validated: nothing is ever written outside the destination.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/database.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { AtomStore } from './atom-store.js';
import { normaliseSnapshotPath, validateSnapshotName, type DedupSettings } from './dedup-settings.js';
import { requireSnapshot } from './metadata-store.js';
import { snapshotFiles, type StoredFile } from './snapshot-files.js';

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

function writeFile(store: AtomStore, file: StoredFile, target: string): void {
  const temporary = path.join(path.dirname(target), `.${path.basename(target).slice(0, 100)}.vigie-restore-${randomBytes(4).toString('hex')}`);
  const descriptor = fs.openSync(temporary, 'wx', 0o600);
  try {
    const hash = createHash('sha256');
    let written = 0;
    for (const atom of file.atoms) {
      const data = store.read(atom);
      hash.update(data);
      fs.writeSync(descriptor, data);
      written += data.length;
    }
    const digest = hash.digest('hex');
    if (written !== file.size || digest !== file.hash) {
      throw new ConflictError(`restored content of ${file.path} does not match its recorded hash (run dedup verify)`);
    }
    fs.fchmodSync(descriptor, file.mode);
    fs.closeSync(descriptor);
  } catch (error) {
    try {
      fs.closeSync(descriptor);
    } catch {
      /* closed already */
    }
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.renameSync(temporary, target);
  const seconds = Number(BigInt(file.mtimeNs)) / 1e9;
  fs.utimesSync(target, seconds, seconds);
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
  const store = new AtomStore({ directory: settings.storeDirectory });
  const report: RestoreReport = { snapshot: snapshot.name, destination, files: 0, symlinks: 0, bytes: 0, seconds: 0, megabytesPerSecond: 0, problems: [] };

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
  const restoreOne = (file: StoredFile) => {
    let target = root;
    if (!single) {
      const relative = normaliseSnapshotPath(prefix ? file.path.slice(prefix.length + 1) : file.path);
      target = path.join(root, relative);
      if (!relative || !isInside(root, target) || target === root) throw new ValidationError(`refusing to restore ${JSON.stringify(file.path)} outside ${root}`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
    }
    if (file.kind === 'symlink') symlinks.push({ target, file });
    else {
      writeFile(store, file, target);
      report.files += 1;
      report.bytes += file.size;
    }
  };
  const attempt = (file: StoredFile) => {
    try {
      restoreOne(file);
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      report.problems.push({ path: file.path, message: (error as Error).message });
    }
  };
  attempt(first.value);
  for await (const file of files) attempt(file);
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

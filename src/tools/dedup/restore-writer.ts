/**
 * Writes restored files inside a dedup worker, reading each atom's range from its pack (the
 * store keeps pack descriptors open across files): each file goes to a temporary name beside its
 * target, is checked against its recorded size and whole-file SHA-256, gets its mode, is
 * renamed into place and gets its mtime, so a failed restore never leaves a wrong file under
 * the right name. The main thread has validated every target path before sending it here.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { AtomLocation, AtomStore } from './atom-store.js';

/** One regular file to restore: where, and what it must contain. */
export interface RestoreJob {
  target: string;
  path: string;
  atoms: AtomLocation[];
  size: number;
  hash: string;
  mode: number;
  mtimeNs: string;
}

/** The result of one job: written, or why not. */
export type RestoreOutcome = { ok: true } | { ok: false; message: string };

/** Restores files with unique temporary names (process, thread, counter). */
export class RestoreWriter {
  private counter = 0;

  constructor(private readonly store: AtomStore) {}

  /** Restores one file; throws on any failure (the temporary file is removed). */
  write(job: RestoreJob): void {
    this.counter += 1;
    const temporary = path.join(
      path.dirname(job.target),
      `.${path.basename(job.target).slice(0, 100)}.vigie-restore-${process.pid}-${threadId}-${this.counter}`,
    );
    const descriptor = fs.openSync(temporary, 'wx', 0o600);
    try {
      const hash = createHash('sha256');
      let written = 0;
      for (const atom of job.atoms) {
        const data = this.store.read(atom);
        hash.update(data);
        fs.writeSync(descriptor, data);
        written += data.length;
      }
      if (written !== job.size || hash.digest('hex') !== job.hash) {
        throw new Error(`restored content of ${job.path} does not match its recorded hash (run dedup verify)`);
      }
      fs.fchmodSync(descriptor, job.mode);
      const seconds = Number(BigInt(job.mtimeNs)) / 1e9;
      fs.futimesSync(descriptor, seconds, seconds);
    } catch (error) {
      fs.closeSync(descriptor);
      fs.rmSync(temporary, { force: true });
      throw error;
    }
    fs.closeSync(descriptor);
    fs.renameSync(temporary, job.target);
  }

  /** Restores a batch; one outcome per job, in order. */
  writeAll(jobs: RestoreJob[]): RestoreOutcome[] {
    return jobs.map((job) => {
      try {
        this.write(job);
        return { ok: true };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    });
  }
}

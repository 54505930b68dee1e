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
import { decodeAtom, type AtomLocation, type AtomStore } from './atom-store.js';

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

/** Longest run of adjacent atoms read with one pread. */
const MAX_RUN_BYTES = 8 * 1024 * 1024;

/** True when `next` is stored right after `atom` in the same pack. */
function follows(atom: AtomLocation, next: AtomLocation): boolean {
  return atom.pack !== null && next.pack === atom.pack && next.offset === atom.offset + atom.storedSize;
}

/** Splits the stored bytes of a run of adjacent atoms and decodes each. */
function decodeRun(run: AtomLocation[], stored: Buffer): Buffer[] {
  let position = 0;
  return run.map((atom) => {
    const part = decodeAtom(stored.subarray(position, position + atom.storedSize));
    position += atom.storedSize;
    return part;
  });
}

/** Writes every part at the file's position, retrying short writes. */
function writeFully(descriptor: number, parts: Buffer[]): void {
  let pending = parts.filter((part) => part.length > 0);
  while (pending.length > 0) {
    let done = fs.writevSync(descriptor, pending);
    const rest: Buffer[] = [];
    for (const part of pending) {
      if (done >= part.length) done -= part.length;
      else {
        rest.push(part.subarray(done));
        done = 0;
      }
    }
    pending = rest;
  }
}

/** The result of one job: written, or why not. */
export type RestoreOutcome = { ok: true } | { ok: false; message: string };

/** Restores files with unique temporary names (process, thread, counter). */
export class RestoreWriter {
  private counter = 0;
  /** Where runs of stored atoms are read, reused across files (a run is at most MAX_RUN_BYTES plus one atom). */
  private readonly scratch = Buffer.allocUnsafeSlow(MAX_RUN_BYTES + 1024 * 1024);

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
      for (let first = 0; first < job.atoms.length;) {
        // A run of atoms stored back to back in one pack (a file's new atoms usually are) is read with one pread.
        let last = first;
        let length = job.atoms[first]!.storedSize;
        while (last + 1 < job.atoms.length && length < MAX_RUN_BYTES && follows(job.atoms[last]!, job.atoms[last + 1]!)) {
          last += 1;
          length += job.atoms[last]!.storedSize;
        }
        const run = job.atoms.slice(first, last + 1);
        const parts = decodeRun(run, this.store.readStored(run.length === 1 ? run[0]! : { ...run[0]!, storedSize: length }, this.scratch));
        for (const data of parts) {
          hash.update(data);
          written += data.length;
        }
        writeFully(descriptor, parts);
        first = last + 1;
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

/**
 * Appends atoms to pack files, as restic, kopia and borg do: one open and (with fsync) one
 * fsync per batch and per pack of several MB instead of an open, a write, a rename and an fsync
 * per atom. Each ingest worker owns one open pack under a random 128-bit name, so two threads
 * or two nodes sharing a store never write the same file, and never appends to a pack it did
 * not create: a tail half-written by a crash is never referenced and stays dead bytes (gc
 * deletes packs with no live atom). Small atoms are gathered in memory and written in one
 * call. `sync` makes everything appended so far durable; only then are locations handed on.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodeAtom, PACK_MAGIC, packPath, type AtomLocation, type CompressionMode } from './atom-store.js';

/** A pack is closed once it reaches this size (the last atom may take it a little over). */
export const PACK_TARGET_BYTES = 16 * 1024 * 1024;
/** Atoms are gathered in memory up to this many bytes before one write. */
const STAGING_BYTES = 1024 * 1024;

/** Options of a pack writer. */
export interface PackWriterOptions {
  directory: string;
  compression: CompressionMode;
  fsync: boolean;
  targetBytes?: number;
}

/** Writes atoms into this thread's own packs. Synchronous: it runs inside worker threads. */
export class PackWriter {
  private readonly staging = Buffer.allocUnsafe(STAGING_BYTES);
  private staged = 0;
  private pack: string | null = null;
  private descriptor: number | null = null;
  /** Bytes of the open pack on disk (written) and in all (written + staged). */
  private written = 0;
  private size = 0;
  private unsynced = false;
  /** Directories whose new entries must be fsynced before the next locations are handed on. */
  private readonly directories = new Set<string>();
  /** The first write or sync failure: the pack's state is then unknown, so the ingest must stop. */
  broken: Error | null = null;

  constructor(private readonly options: PackWriterOptions) {}

  /** Appends one atom (encoded with the store's compression) and returns where it is. */
  append(hash: string, data: Uint8Array): AtomLocation {
    return this.guard(() => this.appendEncoded(hash, data));
  }

  /** Writes what is staged and, with fsync on, makes every appended atom durable. */
  sync(): void {
    this.guard(() => this.syncNow());
  }

  /** Syncs and closes the open pack; the next append starts a new one. */
  closePack(): void {
    this.guard(() => this.closeNow());
  }

  private guard<T>(work: () => T): T {
    if (this.broken) throw this.broken;
    try {
      return work();
    } catch (error) {
      this.broken = error as Error;
      throw error;
    }
  }

  private appendEncoded(hash: string, data: Uint8Array): AtomLocation {
    const encoded = encodeAtom(data, this.options.compression);
    if (this.pack === null) this.openPack();
    const storedSize = 1 + encoded.body.length;
    const offset = this.size;
    if (this.staged + storedSize > STAGING_BYTES) this.writeStaged();
    if (storedSize > STAGING_BYTES) {
      this.writeAll([Buffer.of(encoded.header), encoded.body]);
    } else {
      this.staging[this.staged] = encoded.header;
      this.staging.set(encoded.body, this.staged + 1);
      this.staged += storedSize;
    }
    this.size += storedSize;
    const location: AtomLocation = { hash, pack: this.pack, offset, storedSize };
    if (this.size >= (this.options.targetBytes ?? PACK_TARGET_BYTES)) this.closeNow();
    return location;
  }

  private syncNow(): void {
    this.writeStaged();
    if (!this.options.fsync) return;
    if (this.unsynced && this.descriptor !== null) fs.fsyncSync(this.descriptor);
    this.unsynced = false;
    for (const directory of this.directories) syncDirectory(directory);
    this.directories.clear();
  }

  private closeNow(): void {
    if (this.descriptor === null) return;
    this.syncNow();
    fs.closeSync(this.descriptor);
    this.descriptor = null;
    this.pack = null;
  }

  private openPack(): void {
    const pack = randomBytes(16).toString('hex');
    const file = packPath(this.options.directory, pack);
    let descriptor: number;
    try {
      descriptor = fs.openSync(file, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.directories.add(path.dirname(path.dirname(file))); // the new shard's own entry
      descriptor = fs.openSync(file, 'wx', 0o644);
    }
    this.directories.add(path.dirname(file));
    this.pack = pack;
    this.descriptor = descriptor;
    this.written = 0;
    this.size = 0;
    this.staging.set(PACK_MAGIC, 0);
    this.staged = PACK_MAGIC.length;
    this.size = PACK_MAGIC.length;
  }

  private writeStaged(): void {
    if (this.staged === 0) return;
    this.writeAll([this.staging.subarray(0, this.staged)]);
    this.staged = 0;
  }

  private writeAll(parts: Uint8Array[]): void {
    let position = this.written;
    for (const part of parts) {
      let done = 0;
      while (done < part.length) done += fs.writeSync(this.descriptor!, part, done, part.length - done, position + done);
      position += part.length;
    }
    this.written = position;
    this.unsynced = true;
  }
}

function syncDirectory(directory: string): void {
  const descriptor = fs.openSync(directory, 'r');
  try {
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
}

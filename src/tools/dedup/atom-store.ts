/**
 * The on-disk content-addressed store: one file per atom under `atoms/<first two hex
 * digits>/<sha-256>`. Writes are atomic (temp file, optional fsync, rename) so a reader or a
 * crash never sees half an atom; an atom file that exists is complete. Each file starts with
 * one header byte naming its encoding, so an atom can be checked from the disk alone.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import zlib from 'node:zlib';
import { ValidationError } from '../../errors.js';

/** How atoms are compressed when it pays: `none` is fastest (see README for figures). */
export type CompressionMode = 'none' | 'deflate' | 'brotli';

/** Store options shared by the ingest workers, restore and verify. */
export interface AtomStoreOptions {
  directory: string;
  compression?: CompressionMode;
  /** fsync every atom before its rename (durable store); on by default. */
  fsync?: boolean;
}

const ENCODING_RAW = 0;
const ENCODING_DEFLATE = 1;
const ENCODING_BROTLI = 2;
/** A compressed atom is kept only when it saves at least this fraction. */
const COMPRESSION_MIN_SAVING = 0.1;

/** Hex SHA-256 of some bytes: the atom id. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** True for a well-formed atom id (64 lowercase hex digits). */
export function isAtomId(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/** Reads, writes and checks atom files. Synchronous on purpose: it runs inside worker threads. */
export class AtomStore {
  readonly directory: string;
  readonly atomsDirectory: string;
  readonly compression: CompressionMode;
  readonly fsync: boolean;
  /** Temporary names are unique per process, thread and atom without a random draw per atom. */
  private readonly temporaryTag = `${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`;
  private written = 0;

  constructor(options: AtomStoreOptions) {
    this.directory = path.resolve(options.directory);
    this.atomsDirectory = path.join(this.directory, 'atoms');
    this.compression = options.compression ?? 'none';
    this.fsync = options.fsync ?? true;
  }

  /**
   * Creates the atoms directory. Its 256 shard directories are created by the first write
   * into each: creating all of them up front cost a new store more than a small ingest.
   */
  initialise(): void {
    fs.mkdirSync(this.atomsDirectory, { recursive: true });
  }

  /** Where an atom lives. */
  atomPath(hash: string): string {
    if (!isAtomId(hash)) throw new ValidationError(`not an atom id: ${JSON.stringify(hash.slice(0, 80))}`);
    return path.join(this.atomsDirectory, hash.slice(0, 2), hash);
  }

  /** Stored size of an existing atom, or null when absent. */
  storedSize(hash: string): number | null {
    const stat = fs.statSync(this.atomPath(hash), { throwIfNoEntry: false });
    return stat ? stat.size : null;
  }

  /** Writes an atom (if absent) atomically and returns its stored size in bytes. */
  write(hash: string, data: Uint8Array): number {
    const target = this.atomPath(hash);
    const encoded = this.encode(data);
    this.written += 1;
    const temporary = `${target}.tmp-${this.temporaryTag}-${this.written}`;
    const descriptor = this.createTemporary(temporary);
    try {
      const length = encoded.header.length + encoded.body.length;
      if (fs.writevSync(descriptor, [encoded.header, encoded.body]) !== length) {
        fs.writeSync(descriptor, Buffer.concat([encoded.header, encoded.body]), 0, length, 0); // a short writev: write it all again
      }
      if (this.fsync) fs.fsyncSync(descriptor);
    } catch (error) {
      fs.closeSync(descriptor);
      fs.rmSync(temporary, { force: true });
      throw error;
    } finally {
      try {
        fs.closeSync(descriptor);
      } catch {
        /* already closed on the error path */
      }
    }
    fs.renameSync(temporary, target);
    return encoded.header.length + encoded.body.length;
  }

  /** Opens a new temporary atom file, creating its shard directory on first use. */
  private createTemporary(temporary: string): number {
    try {
      return fs.openSync(temporary, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    fs.mkdirSync(path.dirname(temporary), { recursive: true });
    if (this.fsync) this.syncDirectory(this.atomsDirectory); // the new shard's own entry
    return fs.openSync(temporary, 'wx', 0o644);
  }

  private syncDirectory(directory: string): void {
    const descriptor = fs.openSync(directory, 'r');
    try {
      fs.fsyncSync(descriptor);
    } finally {
      fs.closeSync(descriptor);
    }
  }

  /** Makes renames in the given shard directories durable (one fsync per directory). */
  syncShards(shards: Iterable<string>): void {
    if (!this.fsync) return;
    for (const shard of shards) this.syncDirectory(path.join(this.atomsDirectory, shard));
  }

  /** Reads and decodes an atom; throws when missing or undecodable. */
  read(hash: string): Buffer {
    return decodeAtom(fs.readFileSync(this.atomPath(hash)));
  }

  /** Removes an atom file; true when one was removed. */
  remove(hash: string): boolean {
    try {
      fs.unlinkSync(this.atomPath(hash));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private encode(data: Uint8Array): { header: Buffer; body: Uint8Array } {
    if (this.compression !== 'none' && data.length >= 256) {
      const compressed =
        this.compression === 'brotli'
          ? zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
          : zlib.deflateRawSync(data, { level: 1 });
      if (compressed.length <= data.length * (1 - COMPRESSION_MIN_SAVING)) {
        return { header: Buffer.of(this.compression === 'brotli' ? ENCODING_BROTLI : ENCODING_DEFLATE), body: compressed };
      }
    }
    return { header: Buffer.of(ENCODING_RAW), body: data };
  }
}

/** Decodes an atom file's bytes (header byte + body). */
export function decodeAtom(file: Buffer): Buffer {
  if (file.length === 0) throw new Error('empty atom file');
  const body = file.subarray(1);
  switch (file[0]) {
    case ENCODING_RAW:
      return body;
    case ENCODING_DEFLATE:
      return zlib.inflateRawSync(body);
    case ENCODING_BROTLI:
      return zlib.brotliDecompressSync(body);
    default:
      throw new Error(`unknown atom encoding ${file[0]}`);
  }
}

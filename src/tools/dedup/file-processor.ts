/**
 * Turns one file into atoms: streams it through a fixed buffer (a 10 GB file never sits in
 * memory), cuts it with FastCDC (the WebAssembly loop of gear-wasm.ts), hashes each chunk and the whole file, and writes the atoms
 * the store lacks. Runs inside a worker thread, so it uses synchronous I/O.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { type AtomStore } from './atom-store.js';
import type { ChunkParameters } from './fastcdc.js';
import { WasmChunker } from './gear-wasm.js';

/** One atom reference in file order. */
export interface AtomReference {
  hash: string;
  size: number;
  storedSize: number;
}

/** What ingest records for a regular file. */
export interface ProcessedFile {
  size: number;
  mode: number;
  mtimeNs: string;
  hash: string;
  atoms: AtomReference[];
  newAtoms: number;
  newAtomBytes: number;
  newStoredBytes: number;
  /** Shard directories that received new atoms (to fsync before the metadata commit). */
  shards: string[];
}

const READ_BLOCK = 4 * 1024 * 1024;
/** Atom ids remembered per worker before the memo starts over (~100 MB). */
const MAX_KNOWN_ATOMS = 1_000_000;
const EMPTY_HASH = createHash('sha256').digest('hex');

/** Processes files with one reusable buffer and a memo of atoms already known to exist. */
export class FileProcessor {
  private readonly buffer: Buffer;
  private readonly chunker: WasmChunker;
  /** Atom id → stored size, for atoms this processor wrote or saw on disk. */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly store: AtomStore,
    private readonly parameters: ChunkParameters,
  ) {
    // Files are read straight into the chunker's WebAssembly memory: no copy before the cut loop.
    this.chunker = new WasmChunker(READ_BLOCK + parameters.max, parameters);
    this.buffer = this.chunker.data;
  }

  /** Reads, chunks and stores one regular file. Throws Node errors (ENOENT, EACCES…). */
  process(filePath: string): ProcessedFile {
    const descriptor = fs.openSync(filePath, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    try {
      const stat = fs.fstatSync(descriptor, { bigint: true });
      if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
      const result: ProcessedFile = {
        size: 0,
        mode: Number(stat.mode & 0o7777n),
        mtimeNs: stat.mtimeNs.toString(),
        hash: '',
        atoms: [],
        newAtoms: 0,
        newAtomBytes: 0,
        newStoredBytes: 0,
        shards: [],
      };
      // A one-atom file's hash is its atom's hash: hash the content once, not twice.
      let fileHash: Hash | null = null;
      let firstChunk: Buffer | null = null;
      const shards = new Set<string>();
      const buffer = this.buffer;
      let filled = 0;
      let endOfFile = false;
      // The size from fstat saves the final zero-length read of most files; a file that grows
      // while it is read is still read to its end (a short read past that size ends it).
      const expected = stat.size;
      let total = 0n;
      while (!endOfFile || filled > 0) {
        while (!endOfFile && filled < buffer.length) {
          const wanted = buffer.length - filled;
          const read = fs.readSync(descriptor, buffer, filled, wanted, null);
          total += BigInt(read);
          if (read === 0 || (read < wanted && total >= expected)) endOfFile = true;
          filled += read;
        }
        let position = 0;
        while (position < filled && (endOfFile || filled - position >= this.parameters.max)) {
          const length = this.chunker.nextCut(position, filled);
          const chunk = buffer.subarray(position, position + length);
          if (result.atoms.length === 1) {
            fileHash = createHash('sha256').update(firstChunk!);
            firstChunk = null;
          }
          fileHash?.update(chunk);
          this.storeChunk(chunk, result, shards);
          if (result.atoms.length === 1) firstChunk = Buffer.from(chunk);
          position += length;
        }
        buffer.copyWithin(0, position, filled);
        filled -= position;
        if (endOfFile && filled === 0) break;
      }
      result.hash = fileHash ? fileHash.digest('hex') : result.atoms.length === 1 ? result.atoms[0]!.hash : EMPTY_HASH;
      result.shards = [...shards];
      return result;
    } finally {
      fs.closeSync(descriptor);
    }
  }

  private storeChunk(chunk: Buffer, result: ProcessedFile, shards: Set<string>): void {
    const hash = createHash('sha256').update(chunk).digest('hex');
    result.size += chunk.length;
    let storedSize = this.known.get(hash);
    if (storedSize === undefined) {
      storedSize = this.store.storedSize(hash) ?? undefined;
      if (storedSize === undefined) {
        storedSize = this.store.write(hash, chunk);
        result.newAtoms += 1;
        result.newAtomBytes += chunk.length;
        result.newStoredBytes += storedSize;
        shards.add(hash.slice(0, 2));
      }
      if (this.known.size >= MAX_KNOWN_ATOMS) this.known.clear(); // bounded memory on huge trees
      this.known.set(hash, storedSize);
    }
    result.atoms.push({ hash, size: chunk.length, storedSize });
  }
}

/**
 * Turns one file into atoms: streams it through a fixed buffer (a 10 GB file never sits in
 * memory), cuts it with FastCDC (the WebAssembly loop of gear-wasm.ts), hashes each chunk and
 * the whole file, and appends the atoms new to the ingest to this worker's pack (claimed in
 * the shared atom index, so no two workers write the same one). Runs inside a worker thread,
 * so it uses synchronous I/O.
 */
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import type { AtomLocation } from './atom-store.js';
import type { AtomIndex } from './atom-index.js';
import type { ChunkParameters } from './fastcdc.js';
import { WasmChunker } from './gear-wasm.js';
import type { PackWriter } from './pack-writer.js';

/** One atom reference in file order. */
export interface AtomReference {
  hash: string;
  size: number;
}

/** An atom this worker appended to a pack: its row for the metadata. */
export interface WrittenAtom extends AtomLocation {
  size: number;
}

/** What ingest records for a regular file. */
export interface ProcessedFile {
  size: number;
  mode: number;
  mtimeNs: string;
  hash: string;
  atoms: AtomReference[];
  /** Atoms another worker claimed in this ingest: the file commits once their locations are queued. */
  waits: string[];
  newAtoms: number;
  newAtomBytes: number;
  newStoredBytes: number;
}

const READ_BLOCK = 4 * 1024 * 1024;
/** Atom ids remembered per worker, once the shared index is full, before the memo starts over (~100 MB). */
const MAX_OVERFLOW_ATOMS = 1_000_000;
const EMPTY_HASH = createHash('sha256').digest('hex');

/** Processes files with one reusable buffer, the shared atom index and this worker's pack. */
export class FileProcessor {
  private readonly buffer: Buffer;
  private readonly chunker: WasmChunker;
  /** Atoms written since the last `drainWritten` (also those of files that then failed). */
  private written: WrittenAtom[] = [];
  /** Atoms written without a claim once the shared index is full. */
  private readonly overflow = new Set<string>();

  constructor(
    private readonly index: AtomIndex,
    private readonly worker: number,
    private readonly packs: PackWriter,
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
        waits: [],
      };
      // A one-atom file's hash is its atom's hash: hash the content once, not twice.
      let fileHash: Hash | null = null;
      let firstChunk: Buffer | null = null;
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
          this.storeChunk(chunk, result);
          if (result.atoms.length === 1) firstChunk = Buffer.from(chunk);
          position += length;
        }
        buffer.copyWithin(0, position, filled);
        filled -= position;
        if (endOfFile && filled === 0) break;
      }
      result.hash = fileHash ? fileHash.digest('hex') : result.atoms.length === 1 ? result.atoms[0]!.hash : EMPTY_HASH;
      return result;
    } finally {
      fs.closeSync(descriptor);
    }
  }

  /** The atoms written since the last call; their pack bytes must be synced before they are handed on. */
  drainWritten(): WrittenAtom[] {
    const written = this.written;
    this.written = [];
    return written;
  }

  private storeChunk(chunk: Buffer, result: ProcessedFile): void {
    const digest = createHash('sha256').update(chunk).digest();
    const hash = digest.toString('hex');
    result.size += chunk.length;
    let write = false;
    switch (this.index.claim(digest, this.worker)) {
      case 'new':
        write = true;
        break;
      case 'other':
        result.waits.push(hash);
        break;
      case 'full':
        if (this.overflow.has(hash)) break;
        if (this.overflow.size >= MAX_OVERFLOW_ATOMS) this.overflow.clear(); // bounded memory on huge trees
        this.overflow.add(hash);
        write = true;
        break;
      default: // known, or written by this worker
    }
    if (write) {
      const location = this.packs.append(hash, chunk);
      this.written.push({ ...location, size: chunk.length });
      result.newAtoms += 1;
      result.newAtomBytes += chunk.length;
      result.newStoredBytes += location.storedSize;
    }
    result.atoms.push({ hash, size: chunk.length });
  }
}

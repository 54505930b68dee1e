/**
 * The on-disk content-addressed store. Atoms are appended to pack files under
 * `packs/<first two hex digits>/<pack id>.pack` (pack-writer.ts), each addressed by pack id,
 * offset and stored size recorded in the metadata; stores written before packs keep their
 * atoms as one file each under `atoms/<first two hex digits>/<sha-256>`, still read here.
 * Every stored atom starts with one header byte naming its encoding, so an atom can be
 * checked from the disk alone.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ValidationError } from '../../errors.js';

/** How atoms are compressed when it pays: `none` is fastest (see README for figures). */
export type CompressionMode = 'none' | 'deflate' | 'brotli';

/** Store options shared by the ingest workers, restore and verify. */
export interface AtomStoreOptions {
  directory: string;
  compression?: CompressionMode;
  /** fsync packs (and new pack directories) before the metadata that references them commits; on by default. */
  fsync?: boolean;
}

/** Where an atom's stored bytes are: a pack range, or (pack null) an atom file of the older format. */
export interface AtomLocation {
  hash: string;
  pack: string | null;
  offset: number;
  storedSize: number;
}

/** The first bytes of every pack file. */
export const PACK_MAGIC = Buffer.from('VIGIEPK1', 'latin1');

const ENCODING_RAW = 0;
const ENCODING_DEFLATE = 1;
const ENCODING_BROTLI = 2;
/** A compressed atom is kept only when it saves at least this fraction. */
const COMPRESSION_MIN_SAVING = 0.1;
/** Pack descriptors kept open per reader (restore workers, verify). */
const OPEN_PACKS = 64;

/** Hex SHA-256 of some bytes: the atom id. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** True for a well-formed atom id (64 lowercase hex digits). */
export function isAtomId(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/** True for a well-formed pack id (32 lowercase hex digits). */
export function isPackId(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

/** Where a pack lives under a store directory. */
export function packPath(directory: string, pack: string): string {
  if (!isPackId(pack)) throw new ValidationError(`not a pack id: ${JSON.stringify(pack.slice(0, 80))}`);
  return path.join(directory, 'packs', pack.slice(0, 2), `${pack}.pack`);
}

/** The header byte and body an atom is stored as (compressed only when it saves ≥ 10 %). */
export function encodeAtom(data: Uint8Array, compression: CompressionMode): { header: number; body: Uint8Array } {
  if (compression !== 'none' && data.length >= 256) {
    const compressed =
      compression === 'brotli'
        ? zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
        : zlib.deflateRawSync(data, { level: 1 });
    if (compressed.length <= data.length * (1 - COMPRESSION_MIN_SAVING)) {
      return { header: compression === 'brotli' ? ENCODING_BROTLI : ENCODING_DEFLATE, body: compressed };
    }
  }
  return { header: ENCODING_RAW, body: data };
}

/** Reads atoms from packs (descriptors cached, magic checked once per pack) and legacy atom files. Synchronous: it runs in workers. */
export class AtomStore {
  readonly directory: string;
  readonly atomsDirectory: string;
  readonly packsDirectory: string;
  readonly compression: CompressionMode;
  readonly fsync: boolean;
  private readonly open = new Map<string, number>();

  constructor(options: AtomStoreOptions) {
    this.directory = path.resolve(options.directory);
    this.atomsDirectory = path.join(this.directory, 'atoms');
    this.packsDirectory = path.join(this.directory, 'packs');
    this.compression = options.compression ?? 'none';
    this.fsync = options.fsync ?? true;
  }

  /** Creates the packs directory (its shard directories are created by their first pack). */
  initialise(): void {
    fs.mkdirSync(this.packsDirectory, { recursive: true });
  }

  /** Where an atom of the older one-file-per-atom format lives. */
  atomPath(hash: string): string {
    if (!isAtomId(hash)) throw new ValidationError(`not an atom id: ${JSON.stringify(hash.slice(0, 80))}`);
    return path.join(this.atomsDirectory, hash.slice(0, 2), hash);
  }

  /** Where a pack lives. */
  packPath(pack: string): string {
    return packPath(this.directory, pack);
  }

  /** Human-readable place of an atom, for reports. */
  describe(location: AtomLocation): string {
    return location.pack === null ? this.atomPath(location.hash) : `${this.packPath(location.pack)} at ${location.offset}`;
  }

  /**
   * The stored bytes (header byte + body) of an atom; throws ENOENT when its file is missing.
   * With `scratch` large enough, the bytes are read into it and a view of it is returned (valid
   * until the caller's next read into it), so a restore allocates no buffer per read: fresh
   * memory is expensive on virtual machines that fault in every new page.
   */
  readStored(location: AtomLocation, scratch?: Buffer): Buffer {
    if (location.pack === null) return fs.readFileSync(this.atomPath(location.hash));
    const descriptor = this.descriptor(location.pack);
    const stored =
      scratch && scratch.length >= location.storedSize ? scratch.subarray(0, location.storedSize) : Buffer.allocUnsafe(location.storedSize);
    let filled = 0;
    while (filled < stored.length) {
      const read = fs.readSync(descriptor, stored, filled, stored.length - filled, location.offset + filled);
      if (read === 0) throw new Error(`pack ${location.pack} ends before the atom at offset ${location.offset} (truncated)`);
      filled += read;
    }
    return stored;
  }

  /** Reads and decodes an atom; throws when missing or undecodable. */
  read(location: AtomLocation): Buffer {
    return decodeAtom(this.readStored(location));
  }

  /** Removes an atom file of the older format; true when one was removed. */
  remove(hash: string): boolean {
    try {
      fs.unlinkSync(this.atomPath(hash));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Closes the cached pack descriptors. */
  close(): void {
    for (const descriptor of this.open.values()) fs.closeSync(descriptor);
    this.open.clear();
  }

  private descriptor(pack: string): number {
    const cached = this.open.get(pack);
    if (cached !== undefined) {
      this.open.delete(pack); // most recently used last
      this.open.set(pack, cached);
      return cached;
    }
    const descriptor = fs.openSync(this.packPath(pack), 'r');
    try {
      const magic = Buffer.alloc(PACK_MAGIC.length);
      fs.readSync(descriptor, magic, 0, magic.length, 0);
      if (!magic.equals(PACK_MAGIC)) throw new Error(`pack ${pack} has a damaged header`);
    } catch (error) {
      fs.closeSync(descriptor);
      throw error;
    }
    if (this.open.size >= OPEN_PACKS) {
      const [oldest, oldestDescriptor] = this.open.entries().next().value as [string, number];
      this.open.delete(oldest);
      fs.closeSync(oldestDescriptor);
    }
    this.open.set(pack, descriptor);
    return descriptor;
  }
}

/** Decodes an atom's stored bytes (header byte + body). */
export function decodeAtom(file: Buffer): Buffer {
  if (file.length === 0) throw new Error('empty atom');
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

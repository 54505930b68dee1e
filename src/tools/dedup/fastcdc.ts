/**
 * FastCDC content-defined chunking with normalised chunking (Xia et al., 2016/2020): a gear
 * rolling hash picks cut points from the bytes themselves, so inserting or deleting bytes
 * moves only the boundaries next to the edit and every other chunk keeps its id. That is
 * what makes dedup survive shifted content where fixed-size chunks lose it.
 */
import { ValidationError } from '../../errors.js';

/** Minimum, average (target) and maximum chunk sizes in bytes. */
export interface ChunkSizes {
  min: number;
  avg: number;
  max: number;
}

/**
 * Defaults chosen by measurement on this project's node_modules (see README, bench:dedup):
 * 16 KiB average keeps the dedup ratio within a few percent of 8 KiB while halving the atom
 * count (fewer files to write, fewer metadata rows), and most source files stay one atom.
 */
export const DEFAULT_CHUNK_SIZES: ChunkSizes = { min: 4 * 1024, avg: 16 * 1024, max: 64 * 1024 };

/** 256 pseudo-random 32-bit gear values from a fixed seed (xorshift32): stable across runs. */
function buildGearTable(): Int32Array {
  const table = new Int32Array(256);
  let state = 0x9e3779b9 | 0;
  for (let index = 0; index < 256; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    table[index] = state | 0;
  }
  return table;
}

/** The gear table (also copied into the WebAssembly chunker's memory). */
export const GEAR = buildGearTable();

/** A mask with `bits` ones at the top of a 32-bit word (the bits that see the widest window). */
function topMask(bits: number): number {
  return bits >= 32 ? -1 : (((1 << bits) - 1) << (32 - bits)) | 0;
}

/** Checks sizes and derives the two normalisation masks. */
export class ChunkParameters {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  /** Harder mask below the average (fewer small chunks). */
  readonly maskSmall: number;
  /** Easier mask above the average (fewer oversized chunks). */
  readonly maskLarge: number;

  constructor(sizes: ChunkSizes = DEFAULT_CHUNK_SIZES) {
    const { min, avg, max } = sizes;
    for (const [name, value] of Object.entries(sizes)) {
      if (!Number.isInteger(value) || value < 64 || value > 64 * 1024 * 1024) {
        throw new ValidationError(`chunk ${name} must be an integer between 64 B and 64 MiB (got ${value})`);
      }
    }
    if (!(min <= avg && avg <= max)) throw new ValidationError(`chunk sizes must satisfy min <= avg <= max (got ${min}/${avg}/${max})`);
    if ((avg & (avg - 1)) !== 0) throw new ValidationError(`chunk avg must be a power of two (got ${avg})`);
    this.min = min;
    this.avg = avg;
    this.max = max;
    const bits = Math.round(Math.log2(avg));
    this.maskSmall = topMask(Math.min(31, bits + 2));
    this.maskLarge = topMask(Math.max(1, bits - 2));
  }
}

/**
 * Length of the next chunk of `data[start, end)`. When `end - start` is below `max` the
 * caller must pass the true end of the content (no more data follows), as at end of file.
 */
export function nextCut(data: Uint8Array, start: number, end: number, parameters: ChunkParameters): number {
  const available = end - start;
  if (available <= parameters.min) return available;
  const limit = Math.min(available, parameters.max);
  const normal = Math.min(limit, parameters.avg);
  const maskSmall = parameters.maskSmall;
  const maskLarge = parameters.maskLarge;
  const gear = GEAR;
  let fingerprint = 0;
  let index = start + parameters.min;
  const normalEnd = start + normal;
  for (; index < normalEnd; index += 1) {
    fingerprint = ((fingerprint << 1) + gear[data[index]!]!) | 0;
    if ((fingerprint & maskSmall) === 0) return index + 1 - start;
  }
  const limitEnd = start + limit;
  for (; index < limitEnd; index += 1) {
    fingerprint = ((fingerprint << 1) + gear[data[index]!]!) | 0;
    if ((fingerprint & maskLarge) === 0) return index + 1 - start;
  }
  return limit;
}

/** Chunk lengths of a whole in-memory buffer (tests, small files). */
export function chunkLengths(data: Uint8Array, parameters: ChunkParameters): number[] {
  const lengths: number[] = [];
  let position = 0;
  while (position < data.length) {
    const length = nextCut(data, position, data.length, parameters);
    lengths.push(length);
    position += length;
  }
  return lengths;
}

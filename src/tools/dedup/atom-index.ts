/**
 * The set of atoms an ingest knows, shared by its worker threads: with packs, the disk can no
 * longer answer "is this atom stored?" with one stat, so (as restic and kopia keep their
 * index in memory) the ingest loads the atom ids of the metadata into an open-addressing hash
 * table in a SharedArrayBuffer, and workers claim the new atoms they find in it with one
 * compare-and-swap: exactly one worker writes an atom new to the ingest, the others only
 * reference it (and the main thread holds their files back until the writer's location is
 * queued for commit). 36 bytes a slot; sized from the store's atom count.
 */

/** What `claim` found. */
export type ClaimResult =
  /** Recorded in the metadata before the ingest started. */
  | 'known'
  /** Claimed earlier in this ingest by this worker. */
  | 'mine'
  /** Claimed in this ingest by another worker, whose location may not be queued yet. */
  | 'other'
  /** Claimed now by this worker: write it. */
  | 'new'
  /** Absent and the table is full: write it without a claim (the worker's own memo dedups it). */
  | 'full';

const EMPTY = 0;
const WRITING = 1;
const KNOWN = 2;
const OWNER_BASE = 16;
const KEY_BYTES = 32;
const MAX_FILL = 0.75;

/** Slots for a store of `known` atoms plus room for about 390k new ones (a power of two). */
export function indexCapacity(known: number): number {
  let capacity = 1 << 16;
  while (capacity * MAX_FILL < known + 393_216) capacity *= 2;
  return capacity;
}

/** A fixed-size concurrent set of 32-byte atom ids with an owner per entry. */
export class AtomIndex {
  readonly buffer: SharedArrayBuffer;
  private readonly states: Int32Array;
  private readonly keys: Buffer;
  private readonly mask: number;
  private readonly limit: number;

  /** A new table of `capacity` slots (a power of two), or a view of an existing one's buffer. */
  constructor(source: number | SharedArrayBuffer) {
    const capacity = typeof source === 'number' ? source : (source.byteLength - 4) / (4 + KEY_BYTES);
    if (capacity <= 0 || (capacity & (capacity - 1)) !== 0) throw new Error('atom index capacity must be a power of two');
    this.buffer = typeof source === 'number' ? new SharedArrayBuffer(4 * (capacity + 1) + KEY_BYTES * capacity) : source;
    this.states = new Int32Array(this.buffer, 0, capacity + 1);
    this.keys = Buffer.from(this.buffer, 4 * (capacity + 1), KEY_BYTES * capacity);
    this.mask = capacity - 1;
    this.limit = Math.floor(capacity * MAX_FILL);
  }

  /** Adds an atom recorded in the metadata (before workers start). */
  addKnown(key: Uint8Array): void {
    this.claim(key, -1);
  }

  /** Finds an atom, or claims it for `owner` (a worker index ≥ 0) when absent. */
  claim(key: Uint8Array, owner: number): ClaimResult {
    if (key.length !== KEY_BYTES) throw new Error('an atom id is 32 bytes');
    const states = this.states;
    const full = Atomics.load(states, 0) >= this.limit;
    let slot = ((key[0]! | (key[1]! << 8) | (key[2]! << 16)) + key[3]! * 0x1000000) & this.mask;
    for (;;) {
      let state = Atomics.load(states, slot + 1);
      if (state === EMPTY) {
        if (full) return 'full';
        if (Atomics.compareExchange(states, slot + 1, EMPTY, WRITING) === EMPTY) {
          this.keys.set(key, slot * KEY_BYTES);
          Atomics.store(states, slot + 1, owner < 0 ? KNOWN : OWNER_BASE + owner); // publishes the key
          Atomics.add(states, 0, 1);
          return owner < 0 ? 'known' : 'new';
        }
        state = Atomics.load(states, slot + 1);
      }
      while (state === WRITING) state = Atomics.load(states, slot + 1); // another thread is writing this slot's key
      if (this.keys.compare(key, 0, KEY_BYTES, slot * KEY_BYTES, slot * KEY_BYTES + KEY_BYTES) === 0) {
        if (state === KNOWN) return 'known';
        return state === OWNER_BASE + owner ? 'mine' : 'other';
      }
      slot = (slot + 1) & this.mask;
    }
  }
}

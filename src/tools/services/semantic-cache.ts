/**
 * A small cache of recent search results keyed by query embedding: a repeated need (same
 * filters, same place, a near-identical wording) is answered from memory. Any catalog write
 * through this process clears it; entries also expire after a TTL so writes made by other
 * nodes are visible within that delay.
 */
import { cosineSimilarity } from '../../inference/lexical-embedder.js';

interface Entry<Value> {
  filterKey: string;
  vector: Float32Array;
  value: Value;
  storedAt: number;
}

/** Options: capacity, freshness and how similar two queries must be to share results. */
export interface SemanticCacheOptions {
  maxEntries?: number;
  ttlMs?: number;
  minSimilarity?: number;
  now?: () => number;
}

/** Embedding-keyed LRU cache. */
export class SemanticCache<Value> {
  private entries: Entry<Value>[] = [];
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly minSimilarity: number;
  private readonly now: () => number;

  constructor(options: SemanticCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 500;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.minSimilarity = options.minSimilarity ?? 0.97;
    this.now = options.now ?? Date.now;
  }

  /** The most similar fresh entry with the same filters, or undefined. */
  get(filterKey: string, vector: Float32Array): { value: Value; similarity: number } | undefined {
    const now = this.now();
    let best: { entry: Entry<Value>; similarity: number } | undefined;
    for (const entry of this.entries) {
      if (entry.filterKey !== filterKey || now - entry.storedAt > this.ttlMs) continue;
      const similarity = cosineSimilarity(entry.vector, vector);
      if (similarity >= this.minSimilarity && (!best || similarity > best.similarity)) best = { entry, similarity };
    }
    if (!best) return undefined;
    this.entries = [best.entry, ...this.entries.filter((entry) => entry !== best.entry)];
    return { value: best.entry.value, similarity: best.similarity };
  }

  /** Stores a result, evicting the least recently used beyond capacity. */
  set(filterKey: string, vector: Float32Array, value: Value): void {
    this.entries.unshift({ filterKey, vector, value, storedAt: this.now() });
    if (this.entries.length > this.maxEntries) this.entries.length = this.maxEntries;
  }

  /** Drops everything (the catalog changed). */
  clear(): void {
    this.entries = [];
  }

  /** Number of entries held. */
  get size(): number {
    return this.entries.length;
  }
}

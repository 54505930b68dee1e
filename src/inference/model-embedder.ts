/**
 * Embeddings from a GGUF model through node-llama-cpp: one embedding context, requests
 * batched (deduplicated, cache-first, run back to back under one lock), vectors
 * L2-normalised and cached by content hash so re-indexing unchanged text costs nothing.
 * The dimension comes from the model; the model id carries it (`file.gguf:64`).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Llama, LlamaEmbeddingContext, LlamaModel } from 'node-llama-cpp';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Embedder } from './inference-contract.js';
import { inferenceMetrics, type InferenceMetrics } from './inference-metrics.js';
import { readModelInfo } from './model-files.js';
import { abortError } from './sequence-pool.js';

/** How to build a model embedder. */
export interface ModelEmbedderOptions {
  llama: Llama;
  modelPath: string;
  threads?: number;
  /** Tokens per text; longer texts are truncated to it (default: the model's, at most 2048). */
  contextSize?: number;
  /** Cached vectors kept (least recently used evicted); default 20 000. */
  cacheEntries?: number;
  registry?: Registry;
  logger?: Logger;
}

/** Cache statistics for /health and tests. */
export interface EmbeddingCacheStats {
  entries: number;
  hits: number;
  misses: number;
}

/** L2-normalises in place and returns the vector (the zero vector stays zero). */
export function normaliseVector(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < vector.length; index += 1) vector[index] = vector[index]! / norm;
  return vector;
}

/** A GGUF-backed Embedder with a content-hash cache. */
export class ModelEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  private readonly cache = new Map<string, Float32Array>();
  private readonly stats = { hits: 0, misses: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly metrics: InferenceMetrics;

  private constructor(
    private readonly model: LlamaModel,
    private readonly context: LlamaEmbeddingContext,
    private readonly maxTokens: number,
    private readonly options: ModelEmbedderOptions,
  ) {
    this.dimension = model.embeddingVectorSize;
    this.modelId = `${path.basename(options.modelPath)}:${this.dimension}`;
    this.metrics = inferenceMetrics(options.registry);
  }

  /** Checks the file, loads the model and its embedding context. */
  static async create(options: ModelEmbedderOptions): Promise<ModelEmbedder> {
    await readModelInfo(options.modelPath, options.llama);
    const model = await options.llama.loadModel({ modelPath: options.modelPath });
    try {
      const contextSize = Math.min(options.contextSize ?? 2048, model.trainContextSize || 2048);
      const context = await model.createEmbeddingContext({ contextSize, threads: options.threads ?? options.llama.maxThreads });
      const embedder = new ModelEmbedder(model, context, contextSize, options);
      options.logger?.info({ embedder: embedder.modelId, dimension: embedder.dimension, contextSize }, 'embedding model loaded');
      return embedder;
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Embeds texts in order: cache hits first, the distinct misses in one locked batch. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (signal?.aborted) throw abortError(signal);
    const keys = texts.map((text) => this.key(text));
    const found = new Map<string, Float32Array>();
    const missing = new Map<string, string>();
    for (let index = 0; index < texts.length; index += 1) {
      const key = keys[index]!;
      if (found.has(key) || missing.has(key)) continue;
      const cached = this.cache.get(key);
      if (cached) found.set(key, this.touch(key, cached));
      else missing.set(key, texts[index]!);
    }
    const hits = texts.length - missing.size;
    this.stats.hits += hits;
    this.stats.misses += missing.size;
    this.metrics.embeddings.inc({ embedder: this.modelId, cache: 'hit' }, hits);
    this.metrics.embeddings.inc({ embedder: this.modelId, cache: 'miss' }, missing.size);
    if (missing.size > 0) {
      const run = this.queue.then(async () => {
        for (const [key, text] of missing) {
          if (signal?.aborted) throw abortError(signal);
          found.set(key, await this.compute(text));
        }
      });
      this.queue = run.catch(() => undefined);
      await run;
      for (const key of missing.keys()) this.remember(key, found.get(key)!);
    }
    return keys.map((key) => Float32Array.from(found.get(key)!));
  }

  /** Hits, misses and entries since start. */
  cacheStats(): EmbeddingCacheStats {
    return { entries: this.cache.size, ...this.stats };
  }

  /** Frees the embedding context and the model. */
  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }

  private async compute(text: string): Promise<Float32Array> {
    let tokens = this.model.tokenize(text);
    if (tokens.length > this.maxTokens - 2) tokens = tokens.slice(0, this.maxTokens - 2);
    if (tokens.length === 0) return new Float32Array(this.dimension);
    const embedding = await this.context.getEmbeddingFor(tokens);
    return normaliseVector(Float32Array.from(embedding.vector));
  }

  private key(text: string): string {
    return createHash('sha256').update(this.modelId).update('\0').update(text).digest('base64url');
  }

  private touch(key: string, vector: Float32Array): Float32Array {
    this.cache.delete(key);
    this.cache.set(key, vector);
    return vector;
  }

  private remember(key: string, vector: Float32Array): void {
    this.cache.set(key, vector);
    const limit = this.options.cacheEntries ?? 20_000;
    while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value!);
  }
}

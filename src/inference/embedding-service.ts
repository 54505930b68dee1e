/**
 * Chooses the process's embedder once: the GGUF model named by EMBEDDING_MODEL when set,
 * else the built-in lexical embedder, and says which in the logs and on /health. Also
 * adapts vectors to the 384-wide storage columns (zero-padding keeps cosine similarity).
 */
import type { Llama } from 'node-llama-cpp';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ValidationError } from '../errors.js';
import type { Embedder } from './inference-contract.js';
import { createLexicalEmbedder, LEXICAL_DIMENSION } from './lexical-embedder.js';
import { loadLlama } from './llama-backend.js';
import { checkGgufHeader, resolveModelPath } from './model-files.js';
import { ModelEmbedder } from './model-embedder.js';

/** The width of the `vector(384)` columns (document_chunks, services). */
export const STORED_VECTOR_DIMENSION = LEXICAL_DIMENSION;

/** The active embedder and how it came to be, for /health, /api/models and logs. */
export interface EmbeddingService {
  embedder: Embedder;
  kind: 'lexical' | 'model';
  /** What /health shows under `embedder`. */
  health(): Record<string, unknown>;
  dispose(): Promise<void>;
}

/**
 * Builds the embedding service from configuration. A configured but unusable model file
 * fails start-up with a clear ModelFileError rather than silently mixing vector spaces.
 */
export async function createEmbeddingService(options: {
  config: Pick<Config, 'EMBEDDING_MODEL' | 'LLM_THREADS' | 'LLM_GPU' | 'dataDir'>;
  logger?: Logger;
  registry?: Registry;
  /** Reuse the chat model's llama instance when there is one. */
  llama?: Llama;
}): Promise<EmbeddingService> {
  const { config, logger } = options;
  if (!config.EMBEDDING_MODEL) {
    const embedder = createLexicalEmbedder();
    logger?.info(
      { embedder: embedder.modelId, dimension: embedder.dimension },
      'embeddings: built-in lexical embedder (set EMBEDDING_MODEL for a GGUF embedding model)',
    );
    return {
      embedder,
      kind: 'lexical',
      health: () => ({ status: 'ok', kind: 'lexical', modelId: embedder.modelId, dimension: embedder.dimension }),
      dispose: async () => undefined,
    };
  }
  const modelPath = resolveModelPath(config.EMBEDDING_MODEL, config.dataDir);
  await checkGgufHeader(modelPath);
  const ownLlama = options.llama === undefined;
  const llama = options.llama ?? (await loadLlama({ gpu: config.LLM_GPU, threads: config.LLM_THREADS, logger }));
  try {
    const embedder = await ModelEmbedder.create({ llama, modelPath, threads: config.LLM_THREADS, registry: options.registry, logger });
    logger?.info({ embedder: embedder.modelId, dimension: embedder.dimension }, 'embeddings: GGUF embedding model');
    return {
      embedder,
      kind: 'model',
      health: () => ({
        status: 'ok',
        kind: 'model',
        modelId: embedder.modelId,
        dimension: embedder.dimension,
        cache: embedder.cacheStats(),
      }),
      async dispose() {
        await embedder.dispose();
        if (ownLlama) await llama.dispose();
      },
    };
  } catch (error) {
    if (ownLlama) await llama.dispose();
    throw error;
  }
}

/**
 * Fits a vector to a storage column: zero-pads a shorter one (dot products and norms are
 * unchanged, so cosine ranking is exact); a longer one needs a wider column (a migration).
 */
export function toStoredVector(vector: Float32Array, width = STORED_VECTOR_DIMENSION): Float32Array {
  if (vector.length === width) return vector;
  if (vector.length > width) {
    throw new ValidationError(
      `Embedding dimension ${vector.length} exceeds the stored vector width ${width}; choose a smaller embedding model or widen the column`,
    );
  }
  const padded = new Float32Array(width);
  padded.set(vector);
  return padded;
}

/** pgvector's text form of a vector: `[0.1,0.2,…]`. */
export function toPgVector(vector: Float32Array): string {
  return `[${Array.from(vector, (value) => (Number.isFinite(value) ? value : 0)).join(',')}]`;
}

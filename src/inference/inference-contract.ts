/**
 * The contract between the inference service (one loaded model shared by every
 * conversation; embeddings) and its users (the agent's chat model, the knowledge base,
 * service search). Written down first so each side can be built and tested on its own.
 */
import type { LlamaContextSequence, LlamaModel } from 'node-llama-cpp';

/** Turns texts into vectors. Every vector is stored with `modelId` and `dimension`. */
export interface Embedder {
  /** Stable identifier of the embedding model (e.g. `lexical-v1-384` or a GGUF file name). */
  readonly modelId: string;
  readonly dimension: number;
  /** One L2-normalised vector per text, in order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * A sequence of the shared context, leased to one generation; release() returns it (idempotent).
 * The sequence may still hold an earlier lease's tokens: LlamaChat / LlamaCompletion reuse the
 * common prefix and erase the rest; code evaluating tokens directly should clearHistory() first.
 */
export interface SequenceLease {
  model: LlamaModel;
  sequence: LlamaContextSequence;
  release(): void;
}

/** A loaded local chat model that serves many conversations at once. */
export interface LocalModelRuntime {
  readonly modelName: string;
  /** Waits for a free sequence (fair queue); rejects with a `busy` UnavailableError when the queue is full. */
  acquireSequence(signal?: AbortSignal): Promise<SequenceLease>;
}

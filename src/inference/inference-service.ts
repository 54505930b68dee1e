/**
 * The composition of local inference for one process: llama.cpp (started only when a
 * model is configured), the shared chat model (LLM_MODEL) and the embedder (EMBEDDING_MODEL
 * or lexical). main.ts builds it once and hands its parts to the agent runtime, the
 * knowledge base, service search, /api/models, /health and /metrics.
 */
import type { Llama } from 'node-llama-cpp';
import { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createEmbeddingService, type EmbeddingService } from './embedding-service.js';
import { inferenceMetrics } from './inference-metrics.js';
import { describeBackend, loadLlama, type BackendInfo } from './llama-backend.js';
import { LocalModelService, type LocalModelStatus } from './local-model-service.js';
import { resolveModelPath } from './model-files.js';
import type { ModelEmbedder } from './model-embedder.js';

/** The configuration local inference reads. */
export type InferenceConfig = Pick<
  Config,
  'LLM_MODEL' | 'LLM_PARALLEL' | 'LLM_THREADS' | 'LLM_CONTEXT_SIZE' | 'LLM_QUEUE_DEPTH' | 'LLM_GPU' | 'EMBEDDING_MODEL' | 'dataDir'
>;

/** GET /api/models. */
export interface ModelsStatus {
  backend: BackendInfo['backend'] | 'none';
  gpu: { names: string[]; vram: BackendInfo['vram'] };
  threads: number | null;
  chat: LocalModelStatus | null;
  embedder: { kind: 'lexical' | 'model'; modelId: string; dimension: number; cache?: { entries: number; hits: number; misses: number } };
}

/** What /api/models and /metrics need from the inference service. */
export interface ModelsStatusProvider {
  status(): Promise<ModelsStatus>;
  /** Registry holding the inference metrics, merged into the app's /metrics. */
  metrics: Registry;
}

/** The running inference service. */
export interface InferenceService extends ModelsStatusProvider {
  llama: Llama | null;
  /** The shared chat model (implements LocalModelRuntime), or null without LLM_MODEL. */
  chat: LocalModelService | null;
  embedding: EmbeddingService;
  /** For AppDeps.healthContributors: `{ embedder: inference.health }`. */
  health(): Record<string, unknown>;
  dispose(): Promise<void>;
}

/** Starts local inference from configuration; with no model configured it loads nothing native. */
export async function createInferenceService(
  config: InferenceConfig,
  options: { logger?: Logger; registry?: Registry } = {},
): Promise<InferenceService> {
  const registry = options.registry ?? new Registry();
  inferenceMetrics(registry);
  const { logger } = options;
  const needsLlama = Boolean(config.LLM_MODEL || config.EMBEDDING_MODEL);
  const llama = needsLlama ? await loadLlama({ gpu: config.LLM_GPU, threads: config.LLM_THREADS, logger }) : null;
  let chat: LocalModelService | null = null;
  try {
    if (config.LLM_MODEL && llama) {
      chat = await LocalModelService.create({
        llama,
        modelPath: resolveModelPath(config.LLM_MODEL, config.dataDir),
        parallel: config.LLM_PARALLEL,
        contextSize: config.LLM_CONTEXT_SIZE,
        queueDepth: config.LLM_QUEUE_DEPTH,
        threads: config.LLM_THREADS,
        registry,
        logger,
      });
    } else {
      logger?.info('local chat model disabled: set LLM_MODEL to a GGUF file to enable it');
    }
    const embedding = await createEmbeddingService({ config, logger, registry, llama: llama ?? undefined });
    return {
      llama,
      chat,
      embedding,
      metrics: registry,
      health: () => embedding.health(),
      async status() {
        const backend = llama ? await describeBackend(llama) : null;
        const embedder = embedding.embedder;
        return {
          backend: backend?.backend ?? 'none',
          gpu: { names: backend?.gpuNames ?? [], vram: backend?.vram ?? null },
          threads: backend?.threads ?? null,
          chat: chat?.status() ?? null,
          embedder: {
            kind: embedding.kind,
            modelId: embedder.modelId,
            dimension: embedder.dimension,
            ...(embedding.kind === 'model' ? { cache: (embedder as ModelEmbedder).cacheStats() } : {}),
          },
        };
      },
      async dispose() {
        await chat?.dispose();
        await embedding.dispose();
        await llama?.dispose();
      },
    };
  } catch (error) {
    await chat?.dispose();
    await llama?.dispose();
    throw error;
  }
}

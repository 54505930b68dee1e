/**
 * GET /api/models: which backend runs local inference (CUDA, Vulkan, Metal or CPU), the
 * GPU and its memory, the loaded models, their context and parallel sequences, the queue
 * and recent speed: what an operator checks when answers get slow.
 */
import type { Metric, Registry } from 'prom-client';
import { z } from 'zod';
import type { ModelsStatus, ModelsStatusProvider } from '../../inference/inference-service.js';
import type { RouteRegistrar } from '../../core/route-declarations.js';

const queueSchema = z.object({
  size: z.number().int(),
  inUse: z.number().int(),
  queued: z.number().int(),
  maxQueueDepth: z.number().int(),
});

const modelsStatusSchema = z
  .object({
    backend: z.enum(['cuda', 'vulkan', 'metal', 'cpu', 'none']).meta({ description: '`none` when no local model is configured' }),
    gpu: z.object({
      names: z.array(z.string()),
      vram: z.object({ totalBytes: z.number(), usedBytes: z.number(), freeBytes: z.number() }).nullable(),
    }),
    threads: z.number().int().nullable(),
    chat: z
      .object({
        name: z.string(),
        path: z.string(),
        architecture: z.string(),
        sizeBytes: z.number(),
        trainContextSize: z.number().int(),
        contextSize: z.number().int().meta({ description: 'Tokens per sequence' }),
        parallelSequences: z.number().int(),
        threads: z.number().int(),
        queue: queueSchema,
        recent: z.object({
          generations: z.number().int(),
          tokensPerSecondPerStream: z.number().nullable(),
          tokensLastMinute: z.number().int(),
        }),
      })
      .nullable()
      .meta({ description: 'The shared chat model (LLM_MODEL), or null' }),
    embedder: z.object({
      kind: z.enum(['lexical', 'model']),
      modelId: z.string(),
      dimension: z.number().int(),
      cache: z.object({ entries: z.number().int(), hits: z.number().int(), misses: z.number().int() }).optional(),
    }),
  })
  .meta({ id: 'ModelsStatus' });

/** What /api/models answers when the app was built without an inference service. */
export const NO_INFERENCE_STATUS: ModelsStatus = {
  backend: 'none',
  gpu: { names: [], vram: null },
  threads: null,
  chat: null,
  embedder: { kind: 'lexical', modelId: 'lexical-v1-384', dimension: 384 },
};

/** Registers GET /api/models and adds the inference metrics to the app's registry. */
export function modelRoutes(routes: RouteRegistrar, provider: ModelsStatusProvider | undefined, appMetrics?: Registry): void {
  if (provider && appMetrics && provider.metrics !== appMetrics) {
    for (const metric of provider.metrics.getMetricsAsArray()) {
      if (!appMetrics.getSingleMetric(metric.name)) appMetrics.registerMetric(metric as unknown as Metric);
    }
  }
  routes.add({
    method: 'get',
    path: '/models',
    tag: 'Models',
    summary: 'Local inference status: backend, GPU, loaded models, queue and recent speed',
    success: { status: 200, description: 'The inference status', schema: modelsStatusSchema },
    handler: async () => (provider ? provider.status() : NO_INFERENCE_STATUS),
  });
}

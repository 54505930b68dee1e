/**
 * Starts llama.cpp once per process: a GPU (CUDA, Vulkan or Metal) when one is usable,
 * else the CPU, with the thread count set explicitly. Never builds from source or
 * downloads anything at run time (prebuilt binaries only), and says which backend it got.
 */
import os from 'node:os';
import type { Llama } from 'node-llama-cpp';
import { llamaModule } from './llama-module.js';
import type { Logger } from '../logger.js';

/** What LLM_GPU accepts. */
export type GpuPreference = 'auto' | 'cuda' | 'vulkan' | 'metal' | 'cpu';

/** The backend in use, as /api/models and /health report it. */
export type BackendName = 'cuda' | 'vulkan' | 'metal' | 'cpu';

/** The backend and GPU description shown on /api/models. */
export interface BackendInfo {
  backend: BackendName;
  gpuNames: string[];
  vram: { totalBytes: number; usedBytes: number; freeBytes: number } | null;
  threads: number;
  buildType: 'localBuild' | 'prebuilt';
}

/**
 * The default thread count: the cores this process may actually use. Oversubscribing
 * (ggml spin-waits) is catastrophically slow, so never more than that.
 */
export function defaultThreadCount(): number {
  return Math.max(1, os.availableParallelism());
}

/** Loads llama.cpp with the requested GPU preference and an explicit thread cap. */
export async function loadLlama(options: { gpu?: GpuPreference; threads?: number; logger?: Logger }): Promise<Llama> {
  const threads = options.threads ?? defaultThreadCount();
  const gpu = options.gpu ?? 'auto';
  const started = performance.now();
  const { getLlama, LlamaLogLevel } = await llamaModule();
  const llama = await getLlama({
    gpu: gpu === 'cpu' ? false : gpu,
    maxThreads: threads,
    build: 'never',
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      const text = message.trim();
      if (!text || !options.logger) return;
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) options.logger.error({ component: 'llama.cpp' }, text);
      else if (level === LlamaLogLevel.warn) options.logger.warn({ component: 'llama.cpp' }, text);
    },
  });
  options.logger?.info(
    { backend: backendName(llama), threads, gpuPreference: gpu, ms: Math.round(performance.now() - started) },
    'local inference backend ready',
  );
  return llama;
}

/** Maps node-llama-cpp's gpu field to our backend names. */
export function backendName(llama: Llama): BackendName {
  return llama.gpu === false ? 'cpu' : llama.gpu;
}

/** Describes the backend: GPU names and VRAM when a GPU is in use. */
export async function describeBackend(llama: Llama): Promise<BackendInfo> {
  const backend = backendName(llama);
  let gpuNames: string[] = [];
  let vram: BackendInfo['vram'] = null;
  if (backend !== 'cpu') {
    gpuNames = await llama.getGpuDeviceNames().catch(() => []);
    const state = await llama.getVramState().catch(() => null);
    if (state) vram = { totalBytes: state.total, usedBytes: state.used, freeBytes: state.free };
  }
  return { backend, gpuNames, vram, threads: llama.maxThreads, buildType: llama.buildType };
}

/**
 * The shared local model: one loaded GGUF per process, one context with LLM_PARALLEL
 * sequences so concurrent conversations decode together in the same batches, and a fair
 * bounded queue in front of them (beyond it: a `busy` 503). The agent runtime leases a
 * sequence (`acquireSequence`); benchmarks and simple callers use `generate`.
 */
import path from 'node:path';
import type { ChatHistoryItem, Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { LocalModelRuntime, SequenceLease } from './inference-contract.js';
import { inferenceMetrics, type InferenceMetrics } from './inference-metrics.js';
import { llamaModule } from './llama-module.js';
import { readModelInfo } from './model-files.js';
import { SequencePool, type PoolState } from './sequence-pool.js';

/** One chat message for `generate`. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A direct generation request: a raw prompt (completion) or chat messages (chat template, context shift). */
export interface GenerateRequest {
  prompt?: string;
  messages?: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Streaming: called with each decoded text chunk. */
  onToken?: (text: string) => void;
}

/** What `generate` returns, with the timings the benchmark and /api/models use. */
export interface GenerateResult {
  text: string;
  stopReason: string;
  promptTokens: number;
  generatedTokens: number;
  queueMs: number;
  timeToFirstTokenMs: number | null;
  totalMs: number;
}

/** The model part of /api/models. */
export interface LocalModelStatus {
  name: string;
  path: string;
  architecture: string;
  sizeBytes: number;
  trainContextSize: number;
  contextSize: number;
  parallelSequences: number;
  threads: number;
  queue: PoolState;
  recent: { generations: number; tokensPerSecondPerStream: number | null; tokensLastMinute: number };
}

/** How to build the service. */
export interface LocalModelServiceOptions {
  llama: Llama;
  modelPath: string;
  parallel: number;
  contextSize: number;
  queueDepth: number;
  threads?: number;
  registry?: Registry;
  logger?: Logger;
}

interface RecentGeneration {
  finishedAt: number;
  tokens: number;
  decodeMs: number;
}

/** The loaded model service; dispose() frees the context and the model. */
export class LocalModelService implements LocalModelRuntime {
  readonly modelName: string;
  private readonly pool: SequencePool<LlamaContextSequence>;
  private readonly recent: RecentGeneration[] = [];

  private constructor(
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    sequences: LlamaContextSequence[],
    private readonly options: LocalModelServiceOptions,
    private readonly metrics: InferenceMetrics,
  ) {
    this.modelName = path.basename(options.modelPath);
    const label = { model: this.modelName };
    this.pool = new SequencePool(sequences, options.queueDepth, (state) => {
      metrics.queueDepth.set(label, state.queued);
      metrics.sequencesInUse.set(label, state.inUse);
    });
  }

  /** Loads the model (after checking the file) and creates the shared context. */
  static async create(options: LocalModelServiceOptions): Promise<LocalModelService> {
    await readModelInfo(options.modelPath, options.llama);
    const started = performance.now();
    const model = await options.llama.loadModel({ modelPath: options.modelPath });
    try {
      const threads = options.threads ?? options.llama.maxThreads;
      const context = await model.createContext({
        sequences: options.parallel,
        contextSize: { max: Math.min(options.contextSize, model.trainContextSize || options.contextSize) },
        threads: { ideal: threads, min: 1 },
      });
      const sequences = Array.from({ length: options.parallel }, () => context.getSequence());
      const service = new LocalModelService(model, context, sequences, options, inferenceMetrics(options.registry));
      options.logger?.info(
        {
          model: service.modelName,
          contextSize: context.contextSize,
          parallel: options.parallel,
          threads,
          gpuLayers: model.gpuLayers,
          ms: Math.round(performance.now() - started),
        },
        'local model loaded',
      );
      return service;
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Leases a sequence (fair FIFO); `busy` UnavailableError when LLM_QUEUE_DEPTH callers already wait. */
  async acquireSequence(signal?: AbortSignal): Promise<SequenceLease> {
    try {
      const lease = await this.pool.acquire(signal);
      return { model: this.model, sequence: lease.item, release: lease.release };
    } catch (error) {
      this.metrics.generations.inc({ model: this.modelName, outcome: outcomeOf(error) });
      throw error;
    }
  }

  /** Generates on a leased sequence: completion for `prompt`, chat (with context shift) for `messages`. */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    if ((request.prompt === undefined) === (request.messages === undefined))
      throw new TypeError('generate needs exactly one of prompt or messages');
    const started = performance.now();
    const lease = await this.acquireSequence(request.signal);
    const acquiredAt = performance.now();
    const sequence = lease.sequence;
    const meterBefore = sequence.tokenMeter.getState();
    let firstTokenAt: number | null = null;
    let generatedTokens = 0;
    const label = { model: this.modelName };
    const common = {
      maxTokens: request.maxTokens ?? 256,
      temperature: request.temperature ?? 0,
      signal: request.signal,
      onToken: (tokens: readonly unknown[]) => {
        if (firstTokenAt === null) {
          firstTokenAt = performance.now();
          this.metrics.timeToFirstToken.observe(label, (firstTokenAt - started) / 1000);
        }
        generatedTokens += tokens.length;
      },
      onTextChunk: request.onToken,
    };
    try {
      const { LlamaChat, LlamaCompletion } = await llamaModule();
      let text: string;
      let stopReason: string;
      if (request.messages) {
        const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
        try {
          const response = await chat.generateResponse(toHistory(request.messages), common);
          text = response.response;
          stopReason = response.metadata.stopReason;
        } finally {
          chat.dispose({ disposeSequence: false });
        }
      } else {
        const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
        try {
          const response = await completion.generateCompletionWithMeta(request.prompt!, common);
          text = response.response;
          stopReason = response.metadata.stopReason;
        } finally {
          completion.dispose({ disposeSequence: false });
        }
      }
      const finished = performance.now();
      const used = sequence.tokenMeter.diff(meterBefore);
      this.metrics.tokensGenerated.inc(label, generatedTokens);
      this.metrics.promptTokens.inc(label, used.usedInputTokens);
      this.metrics.generations.inc({ ...label, outcome: 'ok' });
      this.remember({ finishedAt: Date.now(), tokens: generatedTokens, decodeMs: finished - (firstTokenAt ?? finished) });
      return {
        text,
        stopReason,
        promptTokens: Math.max(0, used.usedInputTokens - Math.max(0, generatedTokens - 1)),
        generatedTokens,
        queueMs: acquiredAt - started,
        timeToFirstTokenMs: firstTokenAt === null ? null : firstTokenAt - started,
        totalMs: finished - started,
      };
    } catch (error) {
      this.metrics.tokensGenerated.inc(label, generatedTokens);
      this.metrics.generations.inc({ ...label, outcome: outcomeOf(error) });
      throw error;
    } finally {
      lease.release();
    }
  }

  /** Queue and sequence occupancy. */
  queueState(): PoolState {
    return this.pool.state();
  }

  /** The model's part of /api/models. */
  status(): LocalModelStatus {
    const now = Date.now();
    const window = this.recent.filter((entry) => now - entry.finishedAt <= 60_000);
    const speeds = this.recent
      .filter((entry) => entry.tokens > 1 && entry.decodeMs > 0)
      .map((entry) => ((entry.tokens - 1) * 1000) / entry.decodeMs);
    return {
      name: this.modelName,
      path: this.options.modelPath,
      architecture: String(this.model.fileInfo.metadata.general?.architecture ?? 'unknown'),
      sizeBytes: this.model.size,
      trainContextSize: this.model.trainContextSize,
      contextSize: this.context.contextSize,
      parallelSequences: this.context.totalSequences,
      threads: this.context.idealThreads,
      queue: this.pool.state(),
      recent: {
        generations: this.recent.length,
        tokensPerSecondPerStream: speeds.length === 0 ? null : Math.round(median(speeds) * 10) / 10,
        tokensLastMinute: window.reduce((sum, entry) => sum + entry.tokens, 0),
      },
    };
  }

  /** Rejects waiters, then frees the context and the model. */
  async dispose(): Promise<void> {
    this.pool.close();
    await this.context.dispose();
    await this.model.dispose();
  }

  private remember(entry: RecentGeneration): void {
    this.recent.push(entry);
    if (this.recent.length > 64) this.recent.shift();
  }
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    return { type: 'model', response: [message.content] };
  });
}

function outcomeOf(error: unknown): string {
  const candidate = error as { code?: string; name?: string };
  if (candidate?.code === 'busy') return 'busy';
  if (candidate?.name === 'AbortError') return 'aborted';
  return 'error';
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

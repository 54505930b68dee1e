/**
 * `npm run bench:llm`: local inference through Vigie's service against node-llama-cpp used
 * directly, in the same run on the same model and settings, so a noisy machine still gives
 * meaningful ratios. At 1, 4 and 8 parallel sequences: prompt tokens/s, aggregate
 * generation tokens/s and time to first token; then embeddings/s. Prints ONE JSON line.
 *
 * BENCH_MODEL (default ../shared/models/stories260K.gguf), BENCH_GPU (auto|cuda|vulkan|cpu,
 * default auto), BENCH_THREADS (default 1 on CPU: ggml spin-waits make oversubscription
 * disastrous on a shared machine), BENCH_TOKENS (160 per stream), BENCH_ROUNDS (4, medians; even so each side goes first equally often).
 */
import path from 'node:path';
import { LlamaCompletion, type LlamaContextSequence } from 'node-llama-cpp';
import { createLexicalEmbedder } from '../src/inference/lexical-embedder.js';
import { backendName, describeBackend, loadLlama, type GpuPreference } from '../src/inference/llama-backend.js';
import { LocalModelService } from '../src/inference/local-model-service.js';
import { ModelEmbedder } from '../src/inference/model-embedder.js';

const root = path.resolve(import.meta.dirname, '..');
const MODEL = path.resolve(process.env.BENCH_MODEL ?? path.join(root, '..', 'shared', 'models', 'stories260K.gguf'));
const GPU = (process.env.BENCH_GPU ?? 'auto') as GpuPreference;
const TOKENS = Number(process.env.BENCH_TOKENS ?? 160);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PARALLEL = [1, 4, 8];
const CONTEXT_SIZE = 512;
const STARTS = [
  'Once upon a time',
  'One day, a little girl',
  'Tom and his dog',
  'The sun was shining',
  'There was a big tree',
  'Lily loved to',
  'A small bird',
  'Ben had a red ball',
];
const FILLER = ' They played in the park with their friends and had a lot of fun together.'.repeat(6);

/** Figures of one run of P concurrent streams. */
interface RunFigures {
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
  ttftMs: number;
  /** Process CPU time (all threads) per generated token: far steadier than wall time on a shared machine. */
  cpuMsPerToken: number;
}

interface StreamTiming {
  start: number;
  firstToken: number | null;
  end: number;
  generated: number;
  promptTokens: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Unique prompts per round and stream, so no run reuses an earlier run's evaluated prefix. */
function prompts(count: number, runId: string): string[] {
  return Array.from({ length: count }, (_unused, index) => `${runId}-${index}. ${STARTS[index % STARTS.length]}.${FILLER}`);
}

function figures(streams: StreamTiming[], cpuMicros: number): RunFigures {
  const start = Math.min(...streams.map((stream) => stream.start));
  const firsts = streams.map((stream) => stream.firstToken ?? stream.end);
  const end = Math.max(...streams.map((stream) => stream.end));
  const promptTokens = streams.reduce((sum, stream) => sum + stream.promptTokens, 0);
  const generatedAfterFirst = streams.reduce((sum, stream) => sum + Math.max(0, stream.generated - 1), 0);
  const decodeStart = Math.min(...firsts);
  return {
    promptTokensPerSecond: promptTokens / ((Math.max(...firsts) - start) / 1000),
    generationTokensPerSecond: generatedAfterFirst / ((end - decodeStart) / 1000),
    ttftMs: median(firsts.map((first, index) => first - streams[index]!.start)),
    cpuMsPerToken:
      cpuMicros /
      1000 /
      Math.max(
        1,
        streams.reduce((sum, stream) => sum + stream.generated, 0),
      ),
  };
}

function cpuMicrosSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

async function directRun(sequences: LlamaContextSequence[], texts: string[]): Promise<RunFigures> {
  const cpu = process.cpuUsage();
  const streams = await Promise.all(
    texts.map(async (text, index) => {
      const sequence = sequences[index]!;
      const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
      const timing: StreamTiming = {
        start: performance.now(),
        firstToken: null,
        end: 0,
        generated: 0,
        promptTokens: sequence.model.tokenize(text).length,
      };
      await completion.generateCompletion(text, {
        maxTokens: TOKENS,
        temperature: 0,
        onToken: (tokens) => {
          timing.firstToken ??= performance.now();
          timing.generated += tokens.length;
        },
      });
      completion.dispose({ disposeSequence: false });
      timing.end = performance.now();
      return timing;
    }),
  );
  return figures(streams, cpuMicrosSince(cpu));
}

async function serviceRun(service: LocalModelService, texts: string[]): Promise<RunFigures> {
  const cpu = process.cpuUsage();
  const streams = await Promise.all(
    texts.map(async (text) => {
      const start = performance.now();
      const result = await service.generate({ prompt: text, maxTokens: TOKENS, temperature: 0 });
      return {
        start,
        firstToken: result.timeToFirstTokenMs === null ? null : start + result.timeToFirstTokenMs,
        end: start + result.totalMs,
        generated: result.generatedTokens,
        promptTokens: service.model.tokenize(text).length,
      };
    }),
  );
  return figures(streams, cpuMicrosSince(cpu));
}

function summarise(runs: RunFigures[]): RunFigures {
  return {
    promptTokensPerSecond: round(median(runs.map((run) => run.promptTokensPerSecond))),
    generationTokensPerSecond: round(median(runs.map((run) => run.generationTokensPerSecond))),
    ttftMs: round(median(runs.map((run) => run.ttftMs)), 2),
    cpuMsPerToken: round(median(runs.map((run) => run.cpuMsPerToken)), 3),
  };
}

const started = performance.now();
const defaultThreads = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : 1;
const llama = await loadLlama({ gpu: GPU, threads: defaultThreads });
const backend = await describeBackend(llama);
const results: Record<
  string,
  { vigie: RunFigures; direct: RunFigures; ratio: { generation: number; prompt: number; ttft: number; cpuPerToken: number } }
> = {};

for (const parallel of PARALLEL) {
  // Same model file, same context settings on both sides.
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ sequences: parallel, contextSize: CONTEXT_SIZE, threads: { ideal: defaultThreads, min: 1 } });
  const sequences = Array.from({ length: parallel }, () => context.getSequence());
  const service = await LocalModelService.create({
    llama,
    modelPath: MODEL,
    parallel,
    contextSize: CONTEXT_SIZE,
    queueDepth: 64,
    threads: defaultThreads,
  });
  const direct: RunFigures[] = [];
  const vigie: RunFigures[] = [];
  await directRun(sequences, prompts(parallel, `warm-d${parallel}`));
  await serviceRun(service, prompts(parallel, `warm-v${parallel}`));
  for (let index = 0; index < ROUNDS; index += 1) {
    // Alternate the order so drift on a shared machine hits both sides alike.
    if (index % 2 === 0) {
      direct.push(await directRun(sequences, prompts(parallel, `d${parallel}r${index}`)));
      vigie.push(await serviceRun(service, prompts(parallel, `v${parallel}r${index}`)));
    } else {
      vigie.push(await serviceRun(service, prompts(parallel, `v${parallel}r${index}`)));
      direct.push(await directRun(sequences, prompts(parallel, `d${parallel}r${index}`)));
    }
  }
  await service.dispose();
  await context.dispose();
  await model.dispose();
  const vigieSummary = summarise(vigie);
  const directSummary = summarise(direct);
  results[`p${parallel}`] = {
    vigie: vigieSummary,
    direct: directSummary,
    ratio: {
      generation: round(vigieSummary.generationTokensPerSecond / directSummary.generationTokensPerSecond, 3),
      prompt: round(vigieSummary.promptTokensPerSecond / directSummary.promptTokensPerSecond, 3),
      ttft: round(vigieSummary.ttftMs / directSummary.ttftMs, 3),
      cpuPerToken: round(vigieSummary.cpuMsPerToken / directSummary.cpuMsPerToken, 3),
    },
  };
}

// Embeddings: unique texts (no cache hits) through the service's embedder and directly.
const texts = Array.from(
  { length: 48 },
  (_unused, index) => `${STARTS[index % STARTS.length]} number ${index} went to the market to buy bread.`,
);
const embeddingModel = await llama.loadModel({ modelPath: MODEL });
const embeddingContext = await embeddingModel.createEmbeddingContext({ contextSize: CONTEXT_SIZE, threads: defaultThreads });
const embedder = await ModelEmbedder.create({ llama, modelPath: MODEL, contextSize: CONTEXT_SIZE, threads: defaultThreads });
const directEmbeddings: number[] = [];
const vigieEmbeddings: number[] = [];
for (let index = 0; index < ROUNDS; index += 1) {
  const batch = texts.map((text) => `${index}: ${text}`);
  const measureDirect = async () => {
    const begin = performance.now();
    for (const text of batch) await embeddingContext.getEmbeddingFor(text);
    directEmbeddings.push(batch.length / ((performance.now() - begin) / 1000));
  };
  const measureVigie = async () => {
    const begin = performance.now();
    await embedder.embed(batch.map((text) => `${text} `));
    vigieEmbeddings.push(batch.length / ((performance.now() - begin) / 1000));
  };
  if (index % 2 === 0) {
    await measureDirect();
    await measureVigie();
  } else {
    await measureVigie();
    await measureDirect();
  }
}
const lexical = createLexicalEmbedder();
const begin = performance.now();
const lexicalTexts = Array.from({ length: 2000 }, (_unused, index) => `Le téléchargement ${index} est lent depuis le site de Lyon`);
await lexical.embed(lexicalTexts);
const lexicalPerSecond = lexicalTexts.length / ((performance.now() - begin) / 1000);
await embedder.dispose();
await embeddingContext.dispose();
await embeddingModel.dispose();

const embeddings = {
  vigie: round(median(vigieEmbeddings)),
  direct: round(median(directEmbeddings)),
  ratio: round(median(vigieEmbeddings) / median(directEmbeddings), 3),
  lexicalPerSecond: round(lexicalPerSecond),
};
const p1 = results.p1!;
const p4 = results.p4!;
const floors = {
  serviceAtLeast90PercentOfDirect: Object.values(results).every((result) => result.ratio.generation >= 0.9) && embeddings.ratio >= 0.9,
  aggregateAt4AtLeast2xSingle: p4.vigie.generationTokensPerSecond >= 2 * p1.vigie.generationTokensPerSecond,
};
console.log(
  JSON.stringify({
    bench: 'llm',
    model: path.basename(MODEL),
    backend: backendName(llama),
    gpu: backend.gpuNames,
    threads: defaultThreads,
    tokensPerStream: TOKENS,
    rounds: ROUNDS,
    generation: results,
    scaling: {
      vigieP4OverP1: round(p4.vigie.generationTokensPerSecond / p1.vigie.generationTokensPerSecond, 2),
      vigieP8OverP1: round(results.p8!.vigie.generationTokensPerSecond / p1.vigie.generationTokensPerSecond, 2),
      directP4OverP1: round(p4.direct.generationTokensPerSecond / p1.direct.generationTokensPerSecond, 2),
      /** Tokens per CPU-second at 4 sequences over 1: what batching saves, independent of machine load. */
      vigieCpuEfficiencyP4OverP1: round(p1.vigie.cpuMsPerToken / p4.vigie.cpuMsPerToken, 2),
      vigieCpuEfficiencyP8OverP1: round(p1.vigie.cpuMsPerToken / results.p8!.vigie.cpuMsPerToken, 2),
    },
    embeddingsPerSecond: embeddings,
    floors,
    seconds: round((performance.now() - started) / 1000),
  }),
);
await llama.dispose();

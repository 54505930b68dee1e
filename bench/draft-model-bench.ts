/**
 * `npm run bench:draft-model`: the cost of the grammar-constrained model passes on a toy
 * GGUF (stories260K by default, one CPU thread): service drafts with the rules only against
 * the same drafts with the model pass in the same run, and QoS intent reading (parser
 * refusal + model) against the parser alone. Prints one JSON line. The toy model measures
 * the plumbing (lease, grammar, decode, validation), not what a real model would cost.
 * Environment: BENCH_MODEL (GGUF path), BENCH_DRAFTS (timed drafts per mode), BENCH_THREADS.
 */
import path from 'node:path';
import { loadLlama } from '../src/inference/llama-backend.js';
import { LocalModelService } from '../src/inference/local-model-service.js';
import { StructuredGenerator } from '../src/inference/structured-generation.js';
import { IntentInterpreter } from '../src/tools/qos/intent-model.js';
import { IntentParseError, parseIntent } from '../src/tools/qos/intent-parser.js';
import { extractDraft } from '../src/tools/services/draft-extractor.js';
import { draftWithModel, type DraftModelOptions } from '../src/tools/services/draft-model.js';

const MODEL = process.env.BENCH_MODEL ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'models', 'stories260K.gguf');
const DRAFTS = Number(process.env.BENCH_DRAFTS ?? 60);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);

/** Complete phrasings (the rules find every field: the model is skipped) and ones where the model runs. */
const COMPLETE = ['Plombier à Yaoundé, 5000 F la visite, le week-end', 'Électricien à Paris, 45€/h, 7j/7'];
const SPARSE = [
  // the rules miss at least one field here
  'Je répare les fuites et installe des chauffe-eau à Bonamoussadi, 10 000 FCFA le déplacement',
  'Cours de maths niveau bac à Dakar, 5000 F la séance',
  'Coiffure tresses entre 3 000 et 8 000 FCFA à Cocody',
  'Je fais des petits travaux, appelez-moi',
  'Cours de maths, bon prix',
];
const INTENTS = ['please make sure the visio gets 20 Mbit/s on eth1', 'donne la priorité aux appels sur eth1 stp', 'make it fast on eth1'];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0) * 1000) / 1000;
}

const llama = await loadLlama({ gpu: 'cpu', threads: THREADS });
const model = await LocalModelService.create({ llama, modelPath: MODEL, parallel: 1, contextSize: 2048, queueDepth: 8, threads: THREADS });
try {
  const generator = new StructuredGenerator(model);
  const options: DraftModelOptions = { generator, timeoutMs: 1_500 };
  const texts = [...SPARSE, ...COMPLETE];
  const timed = async (withModel: boolean, pool: string[]) => {
    const durations: number[] = [];
    const outcomes: Record<string, number> = {};
    for (let index = 0; index < DRAFTS; index += 1) {
      const text = pool[index % pool.length]!;
      const begin = performance.now();
      const draft = await draftWithModel({ ...extractDraft(text), tookMs: 0 }, text, withModel ? options : null);
      durations.push(performance.now() - begin);
      const key = draft.model.used ? 'used' : draft.model.reason!;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    return { durations, outcomes };
  };
  await timed(true, SPARSE.slice(0, 2)); // grammar compiled, caches warm
  const rules = await timed(false, texts);
  const mixed = await timed(true, texts);
  const sparse = await timed(true, SPARSE);

  const interpreter = new IntentInterpreter(generator, { timeoutMs: 10_000, defaultLinkRate: 1e9 });
  const parserMs: number[] = [];
  const readingMs: number[] = [];
  const readings: Record<string, number> = {};
  for (let index = 0; index < Math.max(6, Math.floor(DRAFTS / 4)); index += 1) {
    const text = INTENTS[index % INTENTS.length]!;
    let begin = performance.now();
    try {
      parseIntent(text);
    } catch (error) {
      if (!(error instanceof IntentParseError)) throw error;
    }
    parserMs.push(performance.now() - begin);
    begin = performance.now();
    const reading = await interpreter.interpret(text, {});
    readingMs.push(performance.now() - begin);
    const key = reading.ok ? 'planned' : /did not answer in time/.test(reading.reason) ? 'timeout' : 'refused';
    readings[key] = (readings[key] ?? 0) + 1;
  }

  process.stdout.write(
    `${JSON.stringify({
      suite: 'draft-model',
      model: path.basename(MODEL),
      threads: THREADS,
      drafts: DRAFTS,
      draftRulesP50Ms: percentile(rules.durations, 0.5),
      draftRulesP95Ms: percentile(rules.durations, 0.95),
      draftModelMixedP50Ms: percentile(mixed.durations, 0.5),
      draftModelMixedP95Ms: percentile(mixed.durations, 0.95),
      draftModelMixedOutcomes: mixed.outcomes,
      draftModelSparseP50Ms: percentile(sparse.durations, 0.5),
      draftModelSparseP95Ms: percentile(sparse.durations, 0.95),
      draftModelSparseOutcomes: sparse.outcomes,
      qosParserP50Ms: percentile(parserMs, 0.5),
      qosModelReadingP50Ms: percentile(readingMs, 0.5),
      qosModelReadingP95Ms: percentile(readingMs, 0.95),
      qosModelReadings: readings,
      note: 'toy model (mechanics, not quality); mixed = 5 sparse + 2 complete phrasings (complete ones skip the model); draft budget 1500 ms',
    })}\n`,
  );
} finally {
  await model.dispose();
  await llama.dispose();
}

/**
 * Grammar-constrained JSON from the shared local model, for the deterministic features that a
 * model may only enrich (service drafts, QoS intents): lease a sequence, generate under a
 * JSON-schema grammar built from a zod schema (cached per schema and per llama instance),
 * parse, validate with zod. A token cap, a time budget (queue wait included) and the caller's
 * abort bound every call, and every failure comes back as a reason, never an exception, so
 * callers keep their deterministic result when the model is slow, busy or wrong.
 */
import type { ChatHistoryItem, GbnfJsonSchema, Llama, LlamaGrammar } from 'node-llama-cpp';
import { Registry, type Counter, type Histogram } from 'prom-client';
import { z } from 'zod';
import type { LocalModelRuntime } from './inference-contract.js';
import { llamaModule } from './llama-module.js';
import { dropNulls, toGbnfSchema } from './json-schema-to-gbnf.js';
import { counter, histogram } from '../core/metrics.js';

/** Why a structured generation gave no value. */
export type StructuredFailure = 'busy' | 'timeout' | 'aborted' | 'invalid_json' | 'invalid_schema' | 'error';

/** The outcome: a validated value, or a reason (with a human detail) and nothing else. */
export type StructuredResult<T> =
  | { ok: true; value: T; tookMs: number; raw: string; tokens: number }
  | { ok: false; reason: StructuredFailure; detail: string; tookMs: number; raw?: string };

/** One request. `schema` validates; `grammarSchema` (default: `schema`) shapes the grammar and may be stricter (enums). */
export interface StructuredRequest<T> {
  /** Metric label: what the pass is for (`services_draft`, `qos_intent`). */
  purpose: string;
  schema: z.ZodType<T>;
  grammarSchema?: z.ZodType;
  system: string;
  user: string;
  /** Budget for queue wait + generation. */
  timeoutMs: number;
  /** Token cap of the answer (default 256): an answer cut short is invalid JSON, never half-used. */
  maxTokens?: number;
  /** The user text is cut to this many characters (default 1500) so the prompt fits small contexts. */
  maxInputChars?: number;
  signal?: AbortSignal;
}

interface StructuredMetrics {
  calls: Counter<'purpose' | 'outcome'>;
  seconds: Histogram<'purpose' | 'outcome'>;
}

/** The structured-generation metrics on `registry` (created once per registry). */
export function structuredMetrics(registry: Registry = new Registry()): StructuredMetrics {
  return {
    calls: counter(registry, {
      name: 'vigie_llm_structured_total',
      help: 'Grammar-constrained JSON passes by purpose and outcome (ok, busy, timeout, aborted, invalid_json, invalid_schema, error)',
      labelNames: ['purpose', 'outcome'],
    }),
    seconds: histogram(registry, {
      name: 'vigie_llm_structured_duration_seconds',
      help: 'Duration of grammar-constrained JSON passes (queue wait included)',
      labelNames: ['purpose', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    }),
  };
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/** Issues as one line: "path: message; …" (bounded). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 6)
    .map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`)
    .join('; ');
}

/** Generates validated JSON on a LocalModelRuntime; one per process (built by the composition root, in CoreServices.inference). */
export class StructuredGenerator {
  private readonly grammars = new WeakMap<Llama, Map<string, Promise<LlamaGrammar>>>();
  private metrics: StructuredMetrics | null = null;

  constructor(
    readonly runtime: LocalModelRuntime,
    registry?: Registry,
  ) {
    if (registry) this.attachMetrics(registry);
  }

  /** Registers the metrics on the app's registry (first call wins). */
  attachMetrics(registry: Registry): void {
    this.metrics ??= structuredMetrics(registry);
  }

  /** The grammar's JSON schema for a zod schema (exported for tests and for reading). */
  static grammarJsonSchema(schema: z.ZodType): GbnfJsonSchema {
    return toGbnfSchema(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as never);
  }

  private grammarFor(llama: Llama, schema: z.ZodType): Promise<LlamaGrammar> {
    let byKey = this.grammars.get(llama);
    if (!byKey) this.grammars.set(llama, (byKey = new Map()));
    const json = StructuredGenerator.grammarJsonSchema(schema);
    const key = JSON.stringify(json);
    let grammar = byKey.get(key);
    if (!grammar) {
      grammar = llama.createGrammarForJsonSchema(json as never) as Promise<LlamaGrammar>;
      grammar.catch(() => byKey.delete(key));
      byKey.set(key, grammar);
    }
    return grammar;
  }

  /** Runs one pass; never throws (a programming error in the schema is reported as `error`). */
  async generate<T>(request: StructuredRequest<T>): Promise<StructuredResult<T>> {
    const started = performance.now();
    const budget = AbortSignal.timeout(Math.max(1, request.timeoutMs));
    const signal = request.signal ? AbortSignal.any([budget, request.signal]) : budget;
    const finish = (result: StructuredResult<T>): StructuredResult<T> => {
      const outcome = result.ok ? 'ok' : result.reason;
      this.metrics?.calls.inc({ purpose: request.purpose, outcome });
      this.metrics?.seconds.observe({ purpose: request.purpose, outcome }, result.tookMs / 1000);
      return result;
    };
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const interrupted = (): StructuredResult<T> | null => {
      if (request.signal?.aborted) return { ok: false, reason: 'aborted', detail: 'the request was cancelled', tookMs: elapsed() };
      if (budget.aborted)
        return { ok: false, reason: 'timeout', detail: `no answer within the ${request.timeoutMs} ms budget`, tookMs: elapsed() };
      return null;
    };
    let raw: string | undefined;
    let tokens = 0;
    try {
      const lease = await this.runtime.acquireSequence(signal);
      const { LlamaChat } = await llamaModule();
      const chat = new LlamaChat({ contextSequence: lease.sequence, autoDisposeSequence: false });
      try {
        const grammar = await this.grammarFor(lease.model.llama, request.grammarSchema ?? request.schema);
        signal.throwIfAborted();
        const user =
          request.user.length > (request.maxInputChars ?? 1500) ? request.user.slice(0, request.maxInputChars ?? 1500) : request.user;
        const history: ChatHistoryItem[] = [
          { type: 'system', text: request.system },
          { type: 'user', text: user },
          { type: 'model', response: [] },
        ];
        const before = lease.sequence.tokenMeter.usedOutputTokens;
        const response = await chat.generateResponse(history, {
          grammar,
          maxTokens: request.maxTokens ?? 256,
          temperature: 0,
          signal,
          stopOnAbortSignal: false,
        });
        raw = response.response;
        tokens = lease.sequence.tokenMeter.usedOutputTokens - before;
      } finally {
        chat.dispose({ disposeSequence: false });
        lease.release();
      }
    } catch (error) {
      const stopped = interrupted();
      if (stopped) return finish(stopped);
      if (errorCode(error) === 'busy')
        return finish({ ok: false, reason: 'busy', detail: 'the local model is busy (queue full)', tookMs: elapsed() });
      return finish({ ok: false, reason: 'error', detail: error instanceof Error ? error.message : String(error), tookMs: elapsed() });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return finish({
        ok: false,
        reason: 'invalid_json',
        detail: `no complete JSON after ${tokens} tokens (cap ${request.maxTokens ?? 256})`,
        tookMs: elapsed(),
        raw,
      });
    }
    return finish(validateStructured(request.schema, parsed, raw, elapsed(), tokens));
  }
}

/** Validates a parsed answer with zod (shared with tests that feed hand-written answers). */
export function validateStructured<T>(schema: z.ZodType<T>, parsed: unknown, raw: string, tookMs: number, tokens = 0): StructuredResult<T> {
  const checked = schema.safeParse(parsed);
  if (!checked.success) {
    // Optional fields come back as null under the grammar: try again without them.
    const retry = schema.safeParse(dropNulls(parsed));
    if (retry.success) return { ok: true, value: retry.data, tookMs, raw, tokens };
    return { ok: false, reason: 'invalid_schema', detail: describeIssues(checked.error), tookMs, raw };
  }
  return { ok: true, value: checked.data, tookMs, raw, tokens };
}

/**
 * The generator to use for `source`: a generator as is (the core's one, built once per
 * process so REST, tools and the CLI share one grammar cache), a bare runtime wrapped in a new one.
 */
export function structuredGeneratorOf(source: LocalModelRuntime | StructuredGenerator, registry?: Registry): StructuredGenerator {
  return source instanceof StructuredGenerator ? source : new StructuredGenerator(source, registry);
}

/**
 * `qos plan` with an optional model: the deterministic parser first, always; only when it
 * reports that it could not understand the text (never when it refused a value) is the local
 * model asked for the same intent structure, and its reading runs through the same
 * guardrails, validation, kernel fallbacks and compiler. Such a plan says
 * `interpretedBy: 'model'` and warns the operator to review it; an invalid reading is
 * refused with the parser's precise message plus the model's reason. Apply stays
 * deterministic: it re-reads intents with the parser only.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../../config.js';
import type { LocalModelRuntime } from '../../inference/inference-contract.js';
import { structuredGeneratorOf, type StructuredGenerator } from '../../inference/structured-generation.js';
import { IntentInterpreter, modelMayResolve } from './intent-model.js';
import { IntentParseError } from './intent-parser.js';
import type { PlanRequest, QosPlan } from './qos-planner.js';
import { parseRate } from './units.js';
import { QosRefusedError } from './validation.js';

/** What planning needs from the engine. */
export interface PlanningEngine {
  plan(request: PlanRequest, signal?: AbortSignal): Promise<QosPlan>;
  validate(request: PlanRequest): Promise<QosPlan>;
}

/** The warning every model-read plan carries first. */
export const MODEL_REVIEW_WARNING =
  'the deterministic parser could not read this intent; the local model read it: review every clause, rate and match before applying ' +
  "(qos_apply re-reads intents with the parser only, so apply this plan's policy or rephrase the intent)";

/** Builds the interpreter from configuration; null without a model or with QOS_INTENT_MODEL_TIMEOUT_MS=0. */
export function intentInterpreterFor(
  runtime: LocalModelRuntime | StructuredGenerator | null | undefined,
  config: object,
  registry?: Registry,
): IntentInterpreter | null {
  if (!runtime) return null;
  const settings = config as Partial<Pick<Config, 'QOS_INTENT_MODEL_TIMEOUT_MS' | 'QOS_DEFAULT_LINK_RATE'>>;
  const timeoutMs = settings.QOS_INTENT_MODEL_TIMEOUT_MS ?? 5_000;
  if (timeoutMs <= 0) return null;
  return new IntentInterpreter(structuredGeneratorOf(runtime, registry), {
    timeoutMs,
    defaultLinkRate: parseRate(settings.QOS_DEFAULT_LINK_RATE ?? '1gbit'),
  });
}

/** Plans a request: parser first, the model only for text the parser did not understand. */
export async function planIntent(
  engine: PlanningEngine,
  request: PlanRequest,
  interpreter: IntentInterpreter | null,
  options: { live?: boolean; signal?: AbortSignal } = {},
): Promise<QosPlan> {
  const run = (next: PlanRequest) => (options.live === false ? engine.validate(next) : engine.plan(next, options.signal));
  try {
    return { ...(await run(request)), interpretedBy: 'parser' };
  } catch (error) {
    if (!(error instanceof IntentParseError) || !interpreter || request.intent === undefined || !modelMayResolve(error.problems))
      throw error;
    const parserProblems = error.problems;
    const reading = await interpreter.interpret(
      request.intent,
      request.interface ? { defaultInterface: request.interface } : {},
      options.signal,
    );
    if (!reading.ok) throw new IntentParseError([...parserProblems, reading.reason]);
    let plan: QosPlan;
    try {
      plan = await run({ policy: reading.policy });
    } catch (refusal) {
      if (refusal instanceof QosRefusedError)
        throw new IntentParseError([...parserProblems, `the local model's reading was refused: ${refusal.message}`]);
      throw refusal;
    }
    return {
      ...plan,
      intent: request.intent,
      clauses: reading.clauses,
      warnings: [MODEL_REVIEW_WARNING, ...reading.warnings, ...plan.warnings],
      interpretedBy: 'model',
      interpretation: { model: reading.modelName, tookMs: reading.tookMs, parserProblems },
    };
  }
}

/**
 * The optional model pass of service drafts (issue 8): with a local model, a
 * grammar-constrained JSON pass proposes the fields the deterministic extractor did not find.
 * Merge rule: a value the rules found always wins; a model value is used only for an empty
 * field and only once validated (category in the taxonomy, city in the gazetteer — its
 * coordinates come from the gazetteer, never from the model —, prices non-negative and
 * min <= max). Every field says where it came from, and the draft says whether the model was
 * used and, if not, why. The draft stays a draft: the user confirms it, then it is saved.
 */
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { LocalModelRuntime } from '../../inference/inference-contract.js';
import { structuredGeneratorOf, type StructuredGenerator, type StructuredResult } from '../../inference/structured-generation.js';
import type { ServiceDraft } from './draft-extractor.js';
import { PLACES, placeByName } from './gazetteer.js';
import { SERVICE_CATEGORIES, findCategory } from './service-taxonomy.js';

/** Fields a model may propose. */
export const MODEL_FIELDS = ['title', 'category', 'price', 'currency', 'city', 'availability'] as const;
/** One proposable field (`price` is priceMin and priceMax together, `city` brings place and coordinates). */
export type ModelField = (typeof MODEL_FIELDS)[number];

/** Currencies a draft may carry: those of the gazetteer's countries plus the ones prices name. */
export const DRAFT_CURRENCIES = [
  ...new Set([...PLACES.map((place) => place.currency), 'XAF', 'XOF', 'EUR', 'USD', 'MAD', 'CHF', 'CAD']),
].sort() as [string, ...string[]];

const nullableText = (max: number) => z.string().max(max).nullable();

/** What validation accepts as the model's answer (shape only; meaning is checked field by field). */
export const draftProposalSchema = z.strictObject({
  title: nullableText(400),
  category: nullableText(80),
  priceMin: z.number().nullable(),
  priceMax: z.number().nullable(),
  currency: nullableText(8),
  city: nullableText(120),
  availability: nullableText(600),
});

/** A shape-valid model answer. */
export type DraftProposal = z.output<typeof draftProposalSchema>;

/** The grammar's schema: the same fields, with the taxonomy, the gazetteer and the currencies as enums. */
export const draftGrammarSchema = z.strictObject({
  title: z.string().min(3).max(120).nullable(),
  category: z.enum(SERVICE_CATEGORIES.map((category) => category.slug) as [string, ...string[]]).nullable(),
  priceMin: z.number().nullable(),
  priceMax: z.number().nullable(),
  currency: z.enum(DRAFT_CURRENCIES).nullable(),
  city: z.enum(PLACES.map((place) => place.name) as [string, ...string[]]).nullable(),
  availability: z.string().max(120).nullable(),
});

/** The instructions given to the model (the grammar enforces the shape; the prompt the meaning). */
export const DRAFT_SYSTEM_PROMPT =
  "Tu lis l'annonce d'un prestataire de services et tu remplis une fiche JSON. " +
  "title: titre court de l'annonce. category: la catégorie de la taxonomie. priceMin/priceMax: prix en nombres (null si absent). " +
  'currency: code ISO de la devise. city: ville ou quartier cité. availability: disponibilités (jours, heures). ' +
  "Mets null pour tout ce que le texte ne dit pas ; n'invente rien.";

/** Where a field's value came from (null: nobody found one). */
export type FieldSource = 'rules' | 'model' | null;

/** Why the model did not contribute. */
export type ModelSkipReason =
  'no_model' | 'disabled' | 'opted_out' | 'not_needed' | 'timeout' | 'busy' | 'aborted' | 'invalid_output' | 'rejected' | 'error';

/** What the draft says about the model pass. */
export interface ModelPassReport {
  /** True when at least one field of the draft came from the model. */
  used: boolean;
  /** Whether the model was asked at all. */
  consulted: boolean;
  /** Why it was not used (null when used). */
  reason: ModelSkipReason | null;
  detail?: string;
  modelName?: string;
  tookMs?: number;
  accepted: ModelField[];
  rejected: Array<{ field: ModelField; value: unknown; reason: string }>;
  /** Model values for fields the rules had already found (rules win). */
  ignored: ModelField[];
}

/** A draft with per-field sources and the model report. */
export type AssistedDraft = ServiceDraft & { sources: Record<ModelField, FieldSource>; model: ModelPassReport };

/** Which fields the deterministic extractor found. */
export function rulesFound(draft: ServiceDraft): Record<ModelField, boolean> {
  return {
    title: draft.evidence.titleFrom === 'text',
    category: draft.category !== null,
    price: draft.evidence.price !== null,
    currency: draft.currency !== null,
    city: draft.city !== null,
    availability: draft.availability !== null && draft.availability !== '',
  };
}

function hasValue(draft: ServiceDraft, field: ModelField): boolean {
  if (field === 'price') return draft.priceMin !== null || draft.priceMax !== null;
  const value = draft[field];
  return value !== null && value !== '';
}

/** The model for the fields it filled, the rules for every other field that has a value (a fallback title included). */
function sourcesOf(draft: ServiceDraft, fromModel: ModelField[] = []): Record<ModelField, FieldSource> {
  return Object.fromEntries(
    MODEL_FIELDS.map((field) => [field, fromModel.includes(field) ? 'model' : hasValue(draft, field) ? 'rules' : null]),
  ) as Record<ModelField, FieldSource>;
}

/** The deterministic draft with sources and a report saying why the model was not used. */
export function withoutModel(draft: ServiceDraft, reason: ModelSkipReason, extra: Partial<ModelPassReport> = {}): AssistedDraft {
  return {
    ...draft,
    sources: sourcesOf(draft),
    model: { used: false, consulted: false, reason, accepted: [], rejected: [], ignored: [], ...extra },
  };
}

const MAX_PRICE = 1e12;

function priceProblem(value: number | null, name: string): string | null {
  if (value === null) return null;
  if (!Number.isFinite(value)) return `${name} is not a finite number`;
  if (value < 0) return `${name} is negative`;
  if (value > MAX_PRICE) return `${name} is above ${MAX_PRICE}`;
  return null;
}

/**
 * Merges a shape-valid proposal into the deterministic draft: rules win where they found a
 * value; each model value is validated, and refused with a reason when it is not valid.
 */
export function mergeDraft(
  rules: ServiceDraft,
  proposal: DraftProposal,
  meta: { modelName?: string; tookMs?: number } = {},
): AssistedDraft {
  const found = rulesFound(rules);
  const draft: ServiceDraft = { ...rules, evidence: { ...rules.evidence } };
  const accepted: ModelField[] = [];
  const ignored: ModelField[] = [];
  const rejected: ModelPassReport['rejected'] = [];
  const offer = (field: ModelField, value: unknown, apply: () => string | null) => {
    if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) return;
    if (found[field]) {
      ignored.push(field);
      return;
    }
    const problem = apply();
    if (problem) rejected.push({ field, value, reason: problem });
    else accepted.push(field);
  };

  offer('title', proposal.title, () => {
    const title = proposal.title!.replace(/\s+/g, ' ').trim();
    if (title.length < 3) return 'a title needs at least 3 characters';
    if (title.length > 200) return 'a title has at most 200 characters';
    draft.title = title;
    return null;
  });
  offer('category', proposal.category, () => {
    const category = findCategory(proposal.category!.trim());
    if (!category) return `"${proposal.category!.slice(0, 40)}" is not a category of the taxonomy`;
    draft.category = category.slug;
    return null;
  });
  const priceOffered =
    proposal.priceMin !== null || proposal.priceMax !== null ? { priceMin: proposal.priceMin, priceMax: proposal.priceMax } : null;
  offer('price', priceOffered, () => {
    const problem = priceProblem(proposal.priceMin, 'priceMin') ?? priceProblem(proposal.priceMax, 'priceMax');
    if (problem) return problem;
    if (proposal.priceMin !== null && proposal.priceMax !== null && proposal.priceMin > proposal.priceMax)
      return 'priceMin is greater than priceMax';
    draft.priceMin = proposal.priceMin;
    draft.priceMax = proposal.priceMax;
    return null;
  });
  offer('currency', proposal.currency, () => {
    const currency = proposal.currency!.trim().toUpperCase();
    if (!DRAFT_CURRENCIES.includes(currency))
      return `"${proposal.currency!.slice(0, 8)}" is not a currency drafts know (${DRAFT_CURRENCIES.join(', ')})`;
    draft.currency = currency;
    return null;
  });
  offer('city', proposal.city, () => {
    const place = placeByName(proposal.city!);
    if (!place) return `"${proposal.city!.slice(0, 60)}" is not in the gazetteer`;
    draft.city = place.city ?? place.name;
    draft.place = place.city ? place.name : null;
    draft.country = place.country;
    draft.latitude = place.latitude;
    draft.longitude = place.longitude;
    return null;
  });
  offer('availability', proposal.availability, () => {
    const availability = proposal.availability!.replace(/\s+/g, ' ').trim();
    if (availability.length > 300) return 'availability has at most 300 characters';
    draft.availability = availability;
    return null;
  });
  const used = accepted.length > 0;
  const reason: ModelSkipReason | null = used ? null : 'rejected';
  const detail = used
    ? undefined
    : rejected.length > 0
      ? 'every value the model proposed failed validation'
      : 'the model proposed nothing for the fields the rules missed';
  return {
    ...draft,
    sources: sourcesOf(draft, accepted),
    model: { used, consulted: true, reason, ...(detail ? { detail } : {}), ...meta, accepted, rejected, ignored },
  };
}

/** Turns a structured-generation failure into the draft's report. */
export function failedPass(
  rules: ServiceDraft,
  result: Extract<StructuredResult<unknown>, { ok: false }>,
  modelName: string,
): AssistedDraft {
  const reason: ModelSkipReason = result.reason === 'invalid_json' || result.reason === 'invalid_schema' ? 'invalid_output' : result.reason;
  return withoutModel(rules, reason, { consulted: true, detail: result.detail, modelName, tookMs: result.tookMs });
}

/** Settings of the draft model pass. */
export interface DraftModelOptions {
  generator: StructuredGenerator;
  /** Budget in ms (queue wait + generation); 0 disables the pass. */
  timeoutMs: number;
  maxTokens?: number;
}

/** Runs the model pass on a deterministic draft; never throws, never degrades what the rules found. */
export async function assistDraft(
  rules: ServiceDraft,
  text: string,
  options: DraftModelOptions,
  signal?: AbortSignal,
): Promise<AssistedDraft> {
  if (options.timeoutMs <= 0) return withoutModel(rules, 'disabled', { detail: 'SERVICES_DRAFT_MODEL_TIMEOUT_MS is 0' });
  const found = rulesFound(rules);
  if (MODEL_FIELDS.every((field) => found[field])) return withoutModel(rules, 'not_needed', { detail: 'the rules found every field' });
  const result = await options.generator.generate({
    purpose: 'services_draft',
    schema: draftProposalSchema,
    grammarSchema: draftGrammarSchema,
    system: DRAFT_SYSTEM_PROMPT,
    user: text,
    timeoutMs: options.timeoutMs,
    maxTokens: options.maxTokens ?? 384,
    ...(signal ? { signal } : {}),
  });
  const modelName = options.generator.runtime.modelName;
  if (!result.ok) return failedPass(rules, result, modelName);
  return mergeDraft(rules, result.value, { modelName, tookMs: result.tookMs });
}

/** The pass's settings from configuration; null without a model (SERVICES_DRAFT_MODEL_TIMEOUT_MS=0 keeps it, reported as disabled). */
export function draftModelFor(
  runtime: LocalModelRuntime | StructuredGenerator | null | undefined,
  config: object | undefined,
  registry?: Registry,
): DraftModelOptions | null {
  if (!runtime) return null;
  const timeoutMs =
    (config as Partial<Pick<Config, 'SERVICES_DRAFT_MODEL_TIMEOUT_MS'>> | undefined)?.SERVICES_DRAFT_MODEL_TIMEOUT_MS ?? 1_500;
  return { generator: structuredGeneratorOf(runtime, registry), timeoutMs };
}

/**
 * The draft every surface returns: the deterministic draft, then (with a model, unless the
 * caller opted out) the model pass; `tookMs` is the whole time, `rulesMs` the rules alone.
 */
export async function draftWithModel(
  rules: ServiceDraft & { tookMs: number },
  text: string,
  options: DraftModelOptions | null,
  request: { model?: boolean; signal?: AbortSignal } = {},
): Promise<AssistedDraft & { tookMs: number; rulesMs: number }> {
  const started = performance.now();
  const { tookMs: rulesMs, ...draft } = rules;
  let assisted: AssistedDraft;
  if (!options) assisted = withoutModel(draft, 'no_model', { detail: 'no local model is configured (LLM_MODEL)' });
  else if (request.model === false)
    assisted = withoutModel(draft, 'opted_out', { detail: 'the request asked for rules only (model: false)' });
  else assisted = await assistDraft(draft, text, options, request.signal);
  return { ...assisted, rulesMs, tookMs: Math.round((rulesMs + performance.now() - started) * 1000) / 1000 };
}

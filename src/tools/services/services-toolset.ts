/**
 * The services toolset: `service_search` (read) finds services by need, `service_draft`
 * (read) shows the draft of a sentence (with the model pass when a model is loaded),
 * `service_create` (mutate, so approved first) lists one from a sentence. Router syntax:
 *   services search "plombier" near Douala radius=5
 *   services draft "Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement"
 *   services create "Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement"
 */
import { serviceCreatePreview, serviceCreateView, serviceDraftView, serviceSearchView } from './services-views.js';
import { z } from 'zod';
import { AppError, ValidationError } from '../../errors.js';
import { createLexicalEmbedder } from '../../inference/lexical-embedder.js';
import type { Config } from '../../config.js';
import type { ToolsetDependencies } from '../toolset-dependencies.js';
import { defineTool, type ToolResult, type Toolset } from '../tool-contract.js';
import { draftModelFor, draftWithModel, type DraftModelOptions } from './draft-model.js';
import { placeByName } from './gazetteer.js';
import { serviceCards } from './service-cards.js';
import { ServiceEngine } from './service-engine.js';
import { categorySchema, serviceInputSchema, serviceSearchSchema } from './service-schemas.js';
import { serviceSearchOutput, serviceDraftOutput, serviceCreateOutput } from './services-output-schemas.js';

const INSTRUCTIONS =
  'For "I need X near Y" use service_search with the need in q (French is fine) and the place in near, or lat/lon with radius_km; ' +
  'present the cards with price, distance and why they matched. To list a service from a description use service_create with text; ' +
  'it extracts price, place and category and needs approval. service_draft shows the draft first (with a local model, fields the rules missed are ' +
  'proposed by the model and marked source "model"); pass the confirmed category or title to service_create.';

async function asToolResult<T>(work: () => Promise<ToolResult<T>>): Promise<ToolResult<T>> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) return { status: 'error', error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** Tool input for search: the REST query plus `near` (a place name) and `radius` shorthand. */
export const serviceSearchToolSchema = z
  .object({
    q: z.string().trim().max(500).default('').describe('The need, e.g. "plombier pas cher" (a place in it is understood)'),
    near: z.string().trim().min(2).max(120).optional().describe('A city or district, e.g. Douala, Cocody, Paris'),
    lat: z.coerce.number().min(-90).max(90).optional(),
    lon: z.coerce.number().min(-180).max(180).optional(),
    radius: z.coerce.number().positive().max(20_000).optional().describe('Radius in km (same as radius_km)'),
    radius_km: z.coerce.number().positive().max(20_000).optional(),
    category: categorySchema.optional(),
    price_max: z.coerce.number().nonnegative().optional(),
    limit: z.coerce.number().int().min(1).max(20).default(5),
  })
  .strict();

/** Tool input for creation: a sentence, with optional overrides of the extracted fields. */
export const serviceCreateToolSchema = z
  .object({
    text: z.string().trim().min(3).max(2000).describe('One or a few sentences describing the service'),
    title: z.string().trim().min(3).max(200).optional(),
    category: categorySchema.optional(),
    contact: z.string().trim().max(200).optional(),
  })
  .strict();

/** Searches with the engine and returns hits as cards. */
export async function runServiceSearch(
  engine: ServiceEngine,
  input: z.output<typeof serviceSearchToolSchema>,
): Promise<ToolResult<z.input<typeof serviceSearchOutput>>> {
  let { lat, lon } = input;
  let q = input.q;
  if (input.near) {
    const place = placeByName(input.near);
    if (!place) throw new ValidationError(`Unknown place "${input.near.slice(0, 60)}": give lat and lon instead`);
    if (lat === undefined) ({ latitude: lat, longitude: lon } = place);
    q = q.replace(new RegExp(`\\bnear\\s+${input.near.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i'), ' ');
  }
  const query = serviceSearchSchema.parse({
    q,
    lat,
    lon,
    radius_km: input.radius_km ?? input.radius,
    category: input.category,
    price_max: input.price_max,
    limit: input.limit,
  });
  const result = await engine.search(query);
  if (result.hits.length === 0)
    return { status: 'no_data', message: 'No active service matches this need here', data: { understood: result.understood } };
  return {
    status: 'success',
    data: {
      cards: serviceCards(result.hits),
      hits: result.hits,
      understood: result.understood,
      cached: result.cached,
      tookMs: result.tookMs,
    },
  };
}

/** Tool input for a draft: the sentence, and `model=false` for rules only. */
export const serviceDraftToolSchema = z
  .object({
    text: z.string().trim().min(3).max(2000).describe('One or a few sentences describing the service'),
    model: z.boolean().optional().describe('false: rules only, no local model pass'),
  })
  .strict();

/** Builds the toolset from the composition root's components (with `localModel`, drafts get the model pass). */
export function servicesToolset(
  dependencies: Pick<ToolsetDependencies, 'database' | 'embedder' | 'localModel'> & {
    config?: Partial<Pick<Config, 'SERVICES_DRAFT_MODEL_TIMEOUT_MS'>>;
  },
  engine?: ServiceEngine,
  draft?: DraftModelOptions | null,
): Toolset {
  // The services module passes its one engine and draft pass; alone (tests, CLI), the toolset builds its own.
  const services =
    engine ?? new ServiceEngine({ sql: dependencies.database.sql, embedder: dependencies.embedder ?? createLexicalEmbedder() });
  const draftModel = draft !== undefined ? draft : draftModelFor(dependencies.localModel, dependencies.config);
  return {
    name: 'services',
    description: 'Service marketplace: find services by need near a place, list a service from one sentence.',
    instructions: INSTRUCTIONS,
    async checkPrerequisites() {
      return { ok: true };
    },
    tools: [
      defineTool({
        name: 'service_search',
        description:
          'Finds active services for a need in French (typos and missing accents are fine), optionally near a place or within a radius; results explain why they matched.',
        inputSchema: serviceSearchToolSchema,
        outputSchema: serviceSearchOutput,
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 10_000,
        aliases: ['services search', 'service search', 'services find', 'services chercher', 'chercher services'],
        positional: ['q'],
        examples: [
          'services search "plombier" near=Douala radius=5',
          'services search plombier pas cher près de Douala',
          'services search electricien lat=5.35 lon=-4 radius_km=10',
        ],
        view: (input, result, i18n) => serviceSearchView(input, result, i18n),
        execute: (input) => asToolResult(() => runServiceSearch(services, input)),
      }),
      defineTool({
        name: 'service_draft',
        description:
          'Turns a free-text description into a service draft to review (price, currency, place, category, availability), saving nothing; each field says whether rules or the local model found it.',
        inputSchema: serviceDraftToolSchema,
        outputSchema: serviceDraftOutput,
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 10_000,
        aliases: ['services draft', 'service draft', 'services brouillon'],
        positional: ['text'],
        examples: ['services draft "Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement"'],
        view: (_input, result, i18n) => serviceDraftView(result, i18n),
        execute: (input, context) =>
          asToolResult(async () => ({
            status: 'success',
            data: await draftWithModel(services.draft(input.text), input.text, draftModel, {
              ...(input.model !== undefined ? { model: input.model } : {}),
              signal: context.signal,
            }),
          })),
      }),
      defineTool({
        name: 'service_create',
        description:
          'Lists a new service from a free-text description (price, currency, place and category are extracted); the extracted draft is saved as active.',
        inputSchema: serviceCreateToolSchema,
        outputSchema: serviceCreateOutput,
        risk: 'mutate',
        minRole: 'operator',
        timeoutMs: 10_000,
        aliases: ['services create', 'service create', 'services add', 'services créer', 'services creer'],
        positional: ['text'],
        examples: ['services create "Je répare les fuites à Bonamoussadi, 10 000 FCFA le déplacement"'],
        view: (_input, result, i18n) => serviceCreateView(result, i18n),
        // The approver sees the draft that approving will list.
        preview: async (input, context) => serviceCreatePreview(input, services.draft(input.text), context.i18n),
        execute: (input, context) =>
          asToolResult(async () => {
            const draft = services.draft(input.text);
            const category = input.category ?? draft.category;
            if (!category)
              throw new ValidationError(
                'Could not tell the category from the text: pass category=<slug> (see GET /api/services/categories)',
              );
            const service = await services.create(
              context.principal.userId || null,
              serviceInputSchema.parse({
                title: input.title ?? draft.title,
                description: draft.description,
                category,
                priceMin: draft.priceMin,
                priceMax: draft.priceMax,
                currency: draft.currency,
                latitude: draft.latitude,
                longitude: draft.longitude,
                city: draft.city,
                availability: draft.availability,
                contact: input.contact ?? draft.contact,
              }),
            );
            return { status: 'success', data: { service, draft } };
          }),
      }),
    ],
  };
}

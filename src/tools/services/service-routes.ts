/**
 * /api/services: the service catalog (CRUD), search by need with explained ranking, and
 * drafts from free text. Writes need the operator role; an operator changes only the
 * listings they own (admins any). Every write is audited.
 */
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../../actions/pagination.js';
import { may } from '../../auth/policy.js';
import type { Principal } from '../../auth/principal.js';
import { ForbiddenError } from '../../errors.js';
import { draftWithModel, type DraftModelOptions } from './draft-model.js';
import type { ServiceEngine } from './service-engine.js';
import {
  categorySchema,
  draftInputSchema,
  serviceInputSchema,
  serviceSearchSchema,
  serviceStatusSchema,
  serviceUpdateSchema,
} from './service-schemas.js';
import { SERVICE_CATEGORIES } from './service-taxonomy.js';
import type { CoreServices } from '../../core/core-services.js';
import type { RouteRegistrar } from '../../core/route-declarations.js';
import { idParams, pageQuery } from '../../contracts/common-schemas.js';

const serviceSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    priceMin: z.number().nullable(),
    priceMax: z.number().nullable(),
    currency: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    city: z.string().nullable(),
    availability: z.string().nullable(),
    status: serviceStatusSchema,
    ownerId: z.uuid().nullable(),
    contact: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Service' });

const hitSchema = z.object({
  service: serviceSchema,
  score: z.number().meta({ description: 'Weighted reciprocal-rank-fusion score' }),
  distanceKm: z.number().nullable(),
  why: z.object({
    matchedTerms: z.array(z.string()),
    corrections: z.array(z.string()),
    sources: z.array(z.string()).meta({ description: 'Candidate lists the service came from: text, vector, category, geo' }),
    similarity: z.number().nullable(),
    distanceKm: z.number().nullable(),
  }),
});

const searchResultSchema = z
  .object({
    data: z.array(hitSchema),
    understood: z.record(z.string(), z.unknown()),
    cached: z.boolean(),
    tookMs: z.number(),
  })
  .meta({ id: 'ServiceSearchResult' });

const draftSchema = z.record(z.string(), z.unknown()).meta({
  id: 'ServiceDraft',
  description:
    'A structured draft with evidence; `sources` says for each field whether the rules or the local model found it, `model` whether the model was used and why not. Confirm it with POST /api/services',
});

/** What the service routes are built from (the services module's engine and draft pass). */
export interface ServiceRouteOptions {
  /** The module's one engine (one semantic cache for REST, tools and the CLI). */
  engine: ServiceEngine;
  /** With a local model: drafts get a grammar-constrained pass for the fields the rules missed. */
  draftModel: DraftModelOptions | null;
}

function canChange(principal: Principal, ownerId: string | null): boolean {
  return may(principal, 'service.change', { ownerId });
}

/** Registers the service catalog routes. */
export function serviceRoutes(routes: RouteRegistrar, { audit }: Pick<CoreServices, 'audit'>, options: ServiceRouteOptions): void {
  const { engine, draftModel } = options;
  const record = (principal: Principal, action: string, details: Record<string, unknown>) =>
    audit.append({ action, actorId: principal.userId, actorName: principal.userName, channel: 'api', details });

  routes.add({
    method: 'get',
    path: '/services/search',
    tag: 'Services',
    summary: 'Search services by need (French full text, typos, vectors, geo radius), with explained ranking',
    query: serviceSearchSchema,
    success: { status: 200, description: 'Ranked hits and how the query was understood', schema: searchResultSchema },
    handler: async ({ query }) => {
      const result = await engine.search(query);
      return { data: result.hits, understood: result.understood, cached: result.cached, tookMs: result.tookMs };
    },
  });

  routes.add({
    method: 'post',
    path: '/services/draft',
    tag: 'Services',
    summary:
      'Turn free text into a structured service draft (deterministic rules; with a local model, a grammar-constrained pass fills what they missed)',
    body: draftInputSchema,
    success: { status: 200, description: 'The draft, to review then POST to /api/services', schema: draftSchema },
    handler: async ({ body }) =>
      draftWithModel(engine.draft(body.text), body.text, draftModel, { ...(body.model !== undefined ? { model: body.model } : {}) }),
  });

  routes.add({
    method: 'get',
    path: '/services/categories',
    tag: 'Services',
    summary: 'The managed category taxonomy',
    success: {
      status: 200,
      description: 'Categories',
      schema: z.object({ data: z.array(z.object({ slug: z.string(), label: z.string(), keywords: z.array(z.string()) })) }),
    },
    handler: async () => ({ data: SERVICE_CATEGORIES }),
  });

  routes.add({
    method: 'get',
    path: '/services',
    tag: 'Services',
    summary: 'List services, newest first',
    query: pageQuery.extend({ category: categorySchema.optional(), status: serviceStatusSchema.optional() }),
    success: {
      status: 200,
      description: 'A page of services',
      schema: z.object({ data: z.array(serviceSchema), nextCursor: z.string().nullable() }),
    },
    handler: async ({ query }) => {
      const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
      const page = await engine.list({ limit: query.limit, cursor, category: query.category, status: query.status });
      return {
        data: page.data,
        nextCursor: page.more && page.last ? encodeCursor({ createdAt: new Date(page.last.createdAt), id: page.last.id }) : null,
      };
    },
  });

  routes.add({
    method: 'post',
    path: '/services',
    tag: 'Services',
    summary: 'List a new service',
    minRole: 'operator',
    body: serviceInputSchema,
    success: { status: 201, description: 'The created service', schema: serviceSchema },
    handler: async ({ body, principal }) => {
      const service = await engine.create(principal.userId, body);
      await record(principal, 'service.create', { serviceId: service.id, title: service.title, category: service.category });
      return service;
    },
  });

  routes.add({
    method: 'get',
    path: '/services/:id',
    tag: 'Services',
    summary: 'One service',
    params: idParams,
    success: { status: 200, description: 'The service', schema: serviceSchema },
    handler: async ({ params }) => engine.get(params.id),
  });

  routes.add({
    method: 'patch',
    path: '/services/:id',
    tag: 'Services',
    summary: 'Update a service you own (admins: any)',
    errors: [403],
    minRole: 'operator',
    params: idParams,
    body: serviceUpdateSchema,
    success: { status: 200, description: 'The updated service', schema: serviceSchema },
    handler: async ({ params, body, principal }) => {
      const current = await engine.get(params.id);
      if (!canChange(principal, current.ownerId)) throw new ForbiddenError('Only the owner or an admin can change this service');
      const service = await engine.update(params.id, body);
      await record(principal, 'service.update', { serviceId: service.id, fields: Object.keys(body) });
      return service;
    },
  });

  routes.add({
    method: 'delete',
    path: '/services/:id',
    tag: 'Services',
    summary: 'Delete a service you own (admins: any)',
    errors: [403],
    minRole: 'operator',
    params: idParams,
    success: { status: 204, description: 'Deleted', schema: null },
    handler: async ({ params, principal }) => {
      const current = await engine.get(params.id);
      if (!canChange(principal, current.ownerId)) throw new ForbiddenError('Only the owner or an admin can change this service');
      await engine.remove(params.id);
      await record(principal, 'service.delete', { serviceId: params.id, title: current.title });
    },
  });
}

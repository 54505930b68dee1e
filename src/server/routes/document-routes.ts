/**
 * /api/documents: the knowledge documents, their versions and full-text search.
 */
import { z } from 'zod';
import {
  documentCreator,
  documentDeleter,
  documentFinder,
  documentLister,
  documentSearcher,
  documentUpdater,
  documentVersionLister,
} from '../../actions/documents.js';
import type { RouteTable } from '../http/route-table.js';
import { idParams, pageOf, pageQuery } from './common-schemas.js';
import type { RouteContext } from './route-context.js';

const tagSchema = z.string().trim().min(1).max(64).regex(/^[\p{L}\p{N}_.:/-]+$/u, 'letters, digits and _ . : / - only');

/** A document in responses. */
export const documentSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    contentType: z.string(),
    content: z.string(),
    tags: z.array(z.string()),
    sourceUrl: z.string().nullable(),
    contentHash: z.string(),
    version: z.number().int(),
    ownerId: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Document' });

const documentBody = z
  .strictObject({
    title: z.string().trim().min(1).max(300),
    content: z.string().min(1).max(5_000_000),
    contentType: z.string().max(100).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type').optional(),
    tags: z.array(tagSchema).max(50).optional(),
    sourceUrl: z.string().max(2000).nullable().optional(),
  })
  .meta({
    id: 'DocumentCreate',
    example: { title: 'Core router failover', content: '# Failover\nSwitch VRRP priority…', contentType: 'text/markdown', tags: ['runbook'] },
  });

const documentUpdateBody = documentBody
  .partial()
  .refine((value) => Object.keys(value).length > 0, { message: 'at least one field is required' })
  .meta({ id: 'DocumentUpdate' });

const hitSchema = z
  .object({ id: z.uuid(), title: z.string(), tags: z.array(z.string()), score: z.number(), excerpt: z.string() })
  .meta({ id: 'DocumentHit' });

const versionSchema = z
  .object({
    version: z.number().int(),
    title: z.string(),
    contentType: z.string(),
    content: z.string(),
    tags: z.array(z.string()),
    contentHash: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'DocumentVersion' });

/** Registers document routes. */
export function documentRoutes(routes: RouteTable, { database }: RouteContext): void {
  const prisma = database.prisma;
  const tag = 'Documents';

  routes.add({
    method: 'get',
    path: '/documents',
    tag,
    summary: 'List documents, newest first',
    query: pageQuery.extend({ tag: tagSchema.optional() }),
    success: { status: 200, description: 'A page of documents', schema: pageOf(documentSchema, 'DocumentPage') },
    handler: ({ query }) => documentLister(prisma, query),
  });

  routes.add({
    method: 'post',
    path: '/documents',
    tag,
    summary: 'Add a document (operator)',
    minRole: 'operator',
    body: documentBody,
    success: { status: 201, description: 'The new document', schema: documentSchema },
    handler: ({ body, principal }) => documentCreator(prisma, principal.userId, body),
  });

  routes.add({
    method: 'get',
    path: '/documents/search',
    tag,
    summary: 'Full-text search over titles and contents',
    query: z.object({
      q: z.string().trim().min(1).max(500).meta({ example: 'failover core router' }),
      limit: z.coerce.number().int().min(1).max(50).default(10),
      tag: tagSchema.optional(),
    }),
    success: { status: 200, description: 'Ranked hits with excerpts', schema: z.object({ data: z.array(hitSchema) }) },
    handler: async ({ query }) => ({ data: await documentSearcher(prisma, query) }),
  });

  routes.add({
    method: 'get',
    path: '/documents/:id',
    tag,
    summary: 'Get one document',
    params: idParams,
    success: { status: 200, description: 'The document', schema: documentSchema },
    handler: ({ params }) => documentFinder(prisma, params.id),
  });

  routes.add({
    method: 'get',
    path: '/documents/:id/versions',
    tag,
    summary: 'Previous versions of a document, newest first',
    params: idParams,
    success: { status: 200, description: 'Versions', schema: z.object({ data: z.array(versionSchema) }) },
    handler: async ({ params }) => ({ data: await documentVersionLister(prisma, params.id) }),
  });

  routes.add({
    method: 'put',
    path: '/documents/:id',
    tag,
    summary: 'Update a document; the previous version is kept (operator)',
    minRole: 'operator',
    params: idParams,
    body: documentUpdateBody,
    success: { status: 200, description: 'The updated document', schema: documentSchema },
    handler: ({ params, body }) => documentUpdater(prisma, params.id, body),
  });

  routes.add({
    method: 'delete',
    path: '/documents/:id',
    tag,
    summary: 'Delete a document with its versions (operator)',
    minRole: 'operator',
    params: idParams,
    success: { status: 204, description: 'Deleted', schema: null },
    handler: ({ params }) => documentDeleter(prisma, params.id),
  });
}

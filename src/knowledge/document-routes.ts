/**
 * /api/documents: the knowledge documents, their versions and full-text search.
 */
import { httpUrl } from '../contracts/http-url.js';
import { z } from 'zod';
import { documentDeleter, documentFinder, documentLister, documentVersionLister } from '../actions/documents.js';
import type { CoreServices } from '../core/core-services.js';
import type { RouteRegistrar } from '../core/route-declarations.js';
import { readMultipartDocument } from '../core/multipart-upload.js';
import { idParams, pageOf, pageQuery } from '../contracts/common-schemas.js';

const tagSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}_.:/-]+$/u, 'letters, digits and _ . : / - only');

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
    contentType: z
      .string()
      .max(100)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type')
      .optional(),
    tags: z.array(tagSchema).max(50).optional(),
    sourceUrl: httpUrl().nullable().optional(),
  })
  .meta({
    id: 'DocumentCreate',
    example: {
      title: 'Core router failover',
      content: '# Failover\nSwitch VRRP priority…',
      contentType: 'text/markdown',
      tags: ['runbook'],
    },
  });

const documentUpdateBody = documentBody
  .partial()
  .refine((value) => Object.keys(value).length > 0, { message: 'at least one field is required' })
  .meta({ id: 'DocumentUpdate' });

const passageSchema = z
  .object({
    chunkId: z.uuid(),
    documentId: z.uuid(),
    title: z.string(),
    sourceUrl: z.string().nullable(),
    headingPath: z.array(z.string()),
    startOffset: z.number().int().meta({ description: 'Character offset of the passage in the document content' }),
    endOffset: z.number().int(),
    content: z.string(),
    score: z.number().meta({ description: 'Reciprocal rank fusion score' }),
    lexicalRank: z.number().int().nullable(),
    vectorRank: z.number().int().nullable(),
    vectorDistance: z.number().nullable().meta({ description: 'Cosine distance of the vector leg' }),
  })
  .meta({ id: 'Passage' });

const ingestedSchema = documentSchema
  .extend({ ingest: z.object({ outcome: z.enum(['created', 'updated', 'unchanged']), chunks: z.number().int() }) })
  .meta({ id: 'IngestedDocument' });

const uploadForm = z
  .object({
    file: z.string().meta({ format: 'binary', description: 'The file: text, Markdown, HTML, JSON, PDF, source or config' }),
    title: z.string().optional(),
    tags: z.string().optional().meta({ description: 'Comma-separated tags' }),
    sourceUrl: z.string().optional().meta({ description: 'An absolute http(s) URL' }),
  })
  .meta({ id: 'DocumentUpload' });

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
export function documentRoutes(routes: RouteRegistrar, { database, knowledge }: Pick<CoreServices, 'database' | 'knowledge'>): void {
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
    summary: 'Add a document, JSON or multipart file upload (operator); it is chunked and indexed at once',
    description:
      'With a sourceUrl already known, the document is replaced (200) or left alone when its content is unchanged (200, outcome "unchanged"). Text, Markdown, HTML, JSON, PDF, source and config files are accepted.',
    minRole: 'operator',
    body: documentBody,
    success: {
      status: 201,
      description: 'The stored document and what ingest did (200 when updated or unchanged)',
      schema: ingestedSchema,
    },
    handler: async ({ body, principal, response }) => {
      const result = await knowledge.ingestBytes({
        bytes: Buffer.from(body.content, 'utf8'),
        contentType: body.contentType ?? 'text/plain',
        title: body.title,
        tags: body.tags,
        sourceUrl: body.sourceUrl,
        ownerId: principal.userId,
      });
      const document = await documentFinder(prisma, result.documentId);
      response
        .status(result.outcome === 'created' ? 201 : 200)
        .json({ ...document, ingest: { outcome: result.outcome, chunks: result.chunks } });
      return undefined;
    },
    multipart: {
      schema: uploadForm,
      handler: async ({ request, principal, response }) => {
        const upload = await readMultipartDocument(request, knowledge.maxDocumentBytes);
        const result = await knowledge.ingestBytes({ ...upload, ownerId: principal.userId });
        const document = await documentFinder(prisma, result.documentId);
        response
          .status(result.outcome === 'created' ? 201 : 200)
          .json({ ...document, ingest: { outcome: result.outcome, chunks: result.chunks } });
        return undefined;
      },
    },
  });

  routes.add({
    method: 'get',
    path: '/documents/search',
    tag,
    summary: 'Hybrid passage search (vector k-NN and full text, fused by reciprocal rank fusion)',
    query: z.object({
      q: z.string().trim().min(1).max(500).meta({ example: 'how do we fail over the core router?' }),
      k: z.coerce.number().int().min(1).max(50).default(8),
      tags: z
        .string()
        .max(500)
        .optional()
        .transform((value) =>
          value
            ? value
                .split(',')
                .map((tag) => tag.trim())
                .filter(Boolean)
            : undefined,
        )
        .meta({ description: 'Comma-separated tags: passages of documents carrying any of them' }),
      documentId: z.uuid().optional(),
      minScore: z.coerce.number().min(0).max(1).optional(),
      mode: z.enum(['hybrid', 'lexical', 'vector']).default('hybrid'),
    }),
    success: {
      status: 200,
      description: 'Passages with document, heading path, offsets and scores',
      schema: z.object({ data: z.array(passageSchema) }),
    },
    handler: async ({ query }) => ({ data: await knowledge.search(query) }),
  });

  routes.add({
    method: 'get',
    path: '/audit/search',
    tag: 'Audit',
    summary: 'Search audit events by meaning ("who changed eth0 QoS last week?") (admin)',
    minRole: 'admin',
    query: z.object({
      q: z.string().trim().min(1).max(500).meta({ example: 'who changed eth0 qos' }),
      k: z.coerce.number().int().min(1).max(50).default(10),
      since: z.iso.datetime({ offset: true }).optional(),
      until: z.iso.datetime({ offset: true }).optional(),
    }),
    success: {
      status: 200,
      description: 'Matching events, best first',
      schema: z.object({ data: z.array(z.object({ eventId: z.string(), createdAt: z.string(), text: z.string(), score: z.number() })) }),
    },
    handler: async ({ query }) => ({
      data: await knowledge.auditIndex.search({
        q: query.q,
        k: query.k,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      }),
    }),
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
    summary: 'Update a document; the previous version is kept and its passages are rebuilt atomically (operator)',
    minRole: 'operator',
    params: idParams,
    body: documentUpdateBody,
    success: { status: 200, description: 'The updated document', schema: documentSchema },
    handler: async ({ params, body }) => {
      await knowledge.update(params.id, { ...body, text: body.content });
      return documentFinder(prisma, params.id);
    },
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

/**
 * Knowledge documents. Updates keep the previous version in document_versions inside the
 * same transaction, so history is never lost and never half-written.
 */
import { createHash } from 'node:crypto';
import type { Document, PrismaClient } from '../generated/prisma/client.js';
import { NotFoundError } from '../errors.js';
import { afterCursorDescending, decodeCursor, toPage, type Page } from './pagination.js';

/** Fields of a document. */
export interface DocumentInput {
  title: string;
  content: string;
  contentType?: string | undefined;
  tags?: string[] | undefined;
  sourceUrl?: string | null | undefined;
}

/** A document as clients see it. */
export interface DocumentView {
  id: string;
  title: string;
  contentType: string;
  content: string;
  tags: string[];
  sourceUrl: string | null;
  contentHash: string;
  version: number;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A search hit with a highlighted excerpt. */
export interface DocumentHit {
  id: string;
  title: string;
  tags: string[];
  score: number;
  excerpt: string;
}

/** SHA-256 of the content, used to detect unchanged re-ingests. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Converts a row to its public shape. */
export function documentView(row: Document): DocumentView {
  return {
    id: row.id,
    title: row.title,
    contentType: row.contentType,
    content: row.content,
    tags: row.tags,
    sourceUrl: row.sourceUrl,
    contentHash: row.contentHash,
    version: row.version,
    ownerId: row.ownerId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Creates a document at version 1. */
export async function documentCreator(prisma: PrismaClient, ownerId: string, input: DocumentInput): Promise<DocumentView> {
  const row = await prisma.document.create({
    data: {
      title: input.title,
      content: input.content,
      contentType: input.contentType ?? 'text/plain',
      tags: input.tags ?? [],
      sourceUrl: input.sourceUrl ?? null,
      contentHash: contentHash(input.content),
      ownerId,
    },
  });
  return documentView(row);
}

/** One document by id. */
export async function documentFinder(prisma: PrismaClient, id: string): Promise<DocumentView> {
  const row = await prisma.document.findUnique({ where: { id } });
  if (!row) throw new NotFoundError('Document');
  return documentView(row);
}

/** Lists documents newest first, optionally by tag. */
export async function documentLister(
  prisma: PrismaClient,
  filters: { limit: number; cursor?: string | undefined; tag?: string | undefined },
): Promise<Page<DocumentView>> {
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : undefined;
  const rows = await prisma.document.findMany({
    where: { AND: [afterCursorDescending(cursor), filters.tag ? { tags: { has: filters.tag } } : {}] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filters.limit + 1,
  });
  const page = toPage(rows, filters.limit);
  return { data: page.data.map(documentView), nextCursor: page.nextCursor };
}

/** Replaces a document's fields, archiving the previous version atomically. */
export async function documentUpdater(
  prisma: PrismaClient,
  id: string,
  changes: Partial<DocumentInput>,
): Promise<DocumentView> {
  const row = await prisma.$transaction(async (tx) => {
    const current = await tx.document.findUnique({ where: { id } });
    if (!current) throw new NotFoundError('Document');
    await tx.documentVersion.create({
      data: {
        documentId: id,
        version: current.version,
        title: current.title,
        contentType: current.contentType,
        content: current.content,
        tags: current.tags,
        contentHash: current.contentHash,
      },
    });
    const content = changes.content ?? current.content;
    return tx.document.update({
      where: { id },
      data: {
        title: changes.title ?? current.title,
        content,
        contentType: changes.contentType ?? current.contentType,
        tags: changes.tags ?? current.tags,
        sourceUrl: changes.sourceUrl === undefined ? current.sourceUrl : changes.sourceUrl,
        contentHash: contentHash(content),
        version: current.version + 1,
      },
    });
  });
  return documentView(row);
}

/** Previous versions of a document, newest first. */
export async function documentVersionLister(prisma: PrismaClient, id: string) {
  await documentFinder(prisma, id);
  const rows = await prisma.documentVersion.findMany({ where: { documentId: id }, orderBy: { version: 'desc' } });
  return rows.map((row) => ({
    version: row.version,
    title: row.title,
    contentType: row.contentType,
    content: row.content,
    tags: row.tags,
    contentHash: row.contentHash,
    createdAt: row.createdAt.toISOString(),
  }));
}

/** Deletes a document with its versions and chunks. */
export async function documentDeleter(prisma: PrismaClient, id: string): Promise<void> {
  const result = await prisma.document.deleteMany({ where: { id } });
  if (result.count === 0) throw new NotFoundError('Document');
}

/** Full-text search over title and content (the knowledge-base issue adds vectors). */
export async function documentSearcher(
  prisma: PrismaClient,
  query: { q: string; limit: number; tag?: string | undefined },
): Promise<DocumentHit[]> {
  const rows = await prisma.$queryRaw<Array<{ id: string; title: string; tags: string[]; score: number; excerpt: string }>>`
    SELECT d.id, d.title, d.tags, ts_rank_cd(d.search_vector, q.query)::float8 AS score,
           ts_headline('simple', d.content, q.query, 'MaxFragments=2, MinWords=5, MaxWords=25') AS excerpt
    FROM documents d, websearch_to_tsquery('simple', ${query.q}) AS q(query)
    WHERE d.search_vector @@ q.query AND (${query.tag ?? null}::text IS NULL OR ${query.tag ?? null}::text = ANY(d.tags))
    ORDER BY score DESC, d.id
    LIMIT ${query.limit}`;
  return rows.map((row) => ({ ...row, score: Number(row.score) }));
}

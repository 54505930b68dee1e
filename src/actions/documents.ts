/**
 * Knowledge documents: reads, versions, deletes and document-level full-text search. Writes
 * go through the knowledge base (src/knowledge), which chunks and indexes in one transaction.
 */
import { createHash } from 'node:crypto';
import type { Document, PrismaClient } from '../generated/prisma/client.js';
import { NotFoundError } from '../errors.js';
import { afterCursorDescending, decodeCursor, toPage, type Page } from './pagination.js';

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

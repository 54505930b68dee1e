/**
 * Ingestion into the knowledge base. A document is parsed, hashed, chunked and embedded
 * outside any transaction; then its row, its previous version and all its passages are
 * replaced in ONE transaction, so readers see the old passages or the new ones, never a mix,
 * and a failure leaves nothing half-written. Unchanged content (same hash) does nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { SqlQueries } from '../db/sql-runner.js';
import { contentHash } from '../actions/documents.js';
import { NotFoundError } from '../errors.js';
import type { Embedder } from '../inference/inference-contract.js';
import { toPgVector, toStoredVector } from '../inference/embedding-service.js';
import { chunkText, type Chunk, type ChunkingOptions } from './structure-chunker.js';

/** A document to ingest, already parsed to text. */
export interface IngestInput {
  title: string;
  text: string;
  contentType: string;
  tags?: string[] | undefined;
  /** Path or URL: the identity of the document across re-ingests. */
  sourceUrl?: string | null | undefined;
  ownerId?: string | null | undefined;
}

/** What an ingest did. */
export interface IngestResult {
  documentId: string;
  outcome: 'created' | 'updated' | 'unchanged';
  chunks: number;
  version: number;
}

/** Embeds passages with their title and heading path, so context words count too. */
export async function embedChunks(embedder: Embedder, title: string, chunks: Chunk[], batchSize = 64): Promise<string[]> {
  const vectors: string[] = [];
  for (let index = 0; index < chunks.length; index += batchSize) {
    const batch = chunks.slice(index, index + batchSize);
    const embedded = await embedder.embed(batch.map((chunk) => [title, ...chunk.headingPath, chunk.content].join('\n')));
    for (const vector of embedded) vectors.push(toPgVector(toStoredVector(vector)));
  }
  return vectors;
}

/** Replaces every passage of a document inside the caller's transaction. */
export async function replaceChunks(
  tx: SqlQueries,
  documentId: string,
  title: string,
  chunks: Chunk[],
  vectors: string[],
  embedder: Embedder,
): Promise<void> {
  await tx.query('DELETE FROM document_chunks WHERE document_id = $1', [documentId]);
  if (chunks.length === 0) return;
  const rows = chunks.map((chunk, index) => ({
    id: randomUUID(),
    ordinal: chunk.ordinal,
    content: chunk.content,
    heading_path: chunk.headingPath,
    heading_text: [title, ...chunk.headingPath].join(' '),
    start_offset: chunk.startOffset,
    end_offset: chunk.endOffset,
    embedding: vectors[index],
  }));
  await tx.query(
    `INSERT INTO document_chunks (id, document_id, ordinal, content, heading_path, start_offset, end_offset,
       embedding, embedding_model, embedding_dim, search_vector)
     SELECT r.id, $1, r.ordinal, r.content, ARRAY(SELECT jsonb_array_elements_text(r.heading_path)), r.start_offset,
       r.end_offset, r.embedding::vector, $2, $3,
       setweight(to_tsvector('english', r.heading_text), 'A') || setweight(to_tsvector('french', r.heading_text), 'A') ||
       to_tsvector('english', r.content) || to_tsvector('french', r.content)
     FROM jsonb_to_recordset($4::jsonb) AS r(id uuid, ordinal int, content text, heading_path jsonb, heading_text text,
       start_offset int, end_offset int, embedding text)`,
    [documentId, embedder.modelId, embedder.dimension, JSON.stringify(rows)],
  );
}

/** Ingests one parsed document: create, replace or skip. */
export async function ingestDocument(
  database: Database,
  embedder: Embedder,
  input: IngestInput,
  options: ChunkingOptions = {},
): Promise<IngestResult> {
  const hash = contentHash(input.text);
  const tags = input.tags ?? [];
  const existing = input.sourceUrl
    ? (
        await database.sql.query<{ id: string; content_hash: string; version: number; title: string; tags: string[] }>(
          'SELECT id, content_hash, version, title, tags FROM documents WHERE source_url = $1',
          [input.sourceUrl],
        )
      )[0]
    : undefined;
  if (
    existing &&
    existing.content_hash === hash &&
    existing.title === input.title &&
    [...existing.tags].sort().join() === [...tags].sort().join()
  ) {
    const count = await database.sql.query<{ count: number }>('SELECT count(*)::int AS count FROM document_chunks WHERE document_id = $1', [
      existing.id,
    ]);
    return { documentId: existing.id, outcome: 'unchanged', chunks: count[0]?.count ?? 0, version: existing.version };
  }
  const chunks = chunkText(input.text, options);
  const vectors = await embedChunks(embedder, input.title, chunks);
  return database.sql.transaction(async (tx) => {
    let documentId: string;
    let version = 1;
    if (existing) {
      documentId = existing.id;
      await tx.query(
        `INSERT INTO document_versions (id, document_id, version, title, content_type, content, tags, content_hash)
         SELECT gen_random_uuid(), id, version, title, content_type, content, tags, content_hash FROM documents WHERE id = $1`,
        [documentId],
      );
      const updated = await tx.query<{ version: number }>(
        `UPDATE documents SET title = $2, content = $3, content_type = $4, tags = $5, content_hash = $6,
           version = version + 1, updated_at = now() WHERE id = $1 RETURNING version`,
        [documentId, input.title, input.text, input.contentType, tags, hash],
      );
      version = updated[0]!.version;
    } else {
      documentId = randomUUID();
      await tx.query(
        `INSERT INTO documents (id, title, content_type, content, tags, source_url, content_hash, version, owner_id, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, now())`,
        [documentId, input.title, input.contentType, input.text, tags, input.sourceUrl ?? null, hash, input.ownerId ?? null],
      );
    }
    await replaceChunks(tx, documentId, input.title, chunks, vectors, embedder);
    return { documentId, outcome: existing ? 'updated' : 'created', chunks: chunks.length, version } as IngestResult;
  });
}

/** Fields a REST update may change. */
export interface DocumentChanges {
  title?: string | undefined;
  text?: string | undefined;
  contentType?: string | undefined;
  tags?: string[] | undefined;
  sourceUrl?: string | null | undefined;
}

/**
 * Updates a stored document: the previous version is archived, the row changed and its
 * passages rebuilt, all in one transaction.
 */
export async function updateDocument(
  database: Database,
  embedder: Embedder,
  documentId: string,
  changes: DocumentChanges,
  options: ChunkingOptions = {},
): Promise<{ chunks: number; version: number }> {
  const rows = await database.sql.query<{
    title: string;
    content: string;
    content_type: string;
    tags: string[];
    source_url: string | null;
  }>('SELECT title, content, content_type, tags, source_url FROM documents WHERE id = $1', [documentId]);
  const current = rows[0];
  if (!current) throw new NotFoundError('Document');
  const title = changes.title ?? current.title;
  const text = changes.text ?? current.content;
  const chunks = chunkText(text, options);
  const vectors = await embedChunks(embedder, title, chunks);
  return database.sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO document_versions (id, document_id, version, title, content_type, content, tags, content_hash)
       SELECT gen_random_uuid(), id, version, title, content_type, content, tags, content_hash FROM documents WHERE id = $1`,
      [documentId],
    );
    const updated = await tx.query<{ version: number }>(
      `UPDATE documents SET title = $2, content = $3, content_type = $4, tags = $5, source_url = $6, content_hash = $7,
         version = version + 1, updated_at = now() WHERE id = $1 RETURNING version`,
      [
        documentId,
        title,
        text,
        changes.contentType ?? current.content_type,
        changes.tags ?? current.tags,
        changes.sourceUrl === undefined ? current.source_url : changes.sourceUrl,
        contentHash(text),
      ],
    );
    await replaceChunks(tx, documentId, title, chunks, vectors, embedder);
    return { chunks: chunks.length, version: updated[0]!.version };
  });
}

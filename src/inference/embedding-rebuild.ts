/**
 * `vigie embeddings rebuild`: after the embedding model changes, vectors made by another
 * model are not comparable with new ones, so every row whose `embedding_model` differs from
 * the active embedder is re-embedded, in batches, each batch in one transaction (an
 * interrupted rebuild resumes where it stopped; nothing is half-written).
 */
import type { SqlRunner } from '../db/sql-runner.js';
import type { Embedder } from './inference-contract.js';
import { toPgVector, toStoredVector } from './embedding-service.js';

/** A table holding vectors: its text and where the vector and model id go. */
export interface EmbeddingTarget {
  table: string;
  /** SQL expression producing the text to embed (over the table's columns). */
  textExpression: string;
}

/**
 * The knowledge-base chunks and the service listings. The services expression mirrors
 * `embeddingText` in src/tools/services/service-catalog.ts (title, category label,
 * description, city joined by " \n"); a test checks they agree.
 */
export const DEFAULT_EMBEDDING_TARGETS: EmbeddingTarget[] = [
  { table: 'document_chunks', textExpression: '"content"' },
  {
    table: 'services',
    textExpression: `concat_ws(' ' || chr(10), "title", coalesce((SELECT c."label" FROM "service_categories" c WHERE c."slug" = "services"."category"), ''), "description", coalesce("city", ''))`,
  },
];

/** Per-table counts. */
export interface RebuildReport {
  modelId: string;
  tables: Array<{ table: string; reembedded: number }>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Re-embeds stale rows of every target; `onProgress` gets (table, done, total). */
export async function rebuildEmbeddings(options: {
  sql: SqlRunner;
  embedder: Embedder;
  targets?: EmbeddingTarget[];
  batchSize?: number;
  /** Re-embed every row, not only those made by another model. */
  all?: boolean;
  onProgress?: (table: string, done: number, total: number) => void;
  signal?: AbortSignal;
}): Promise<RebuildReport> {
  const { sql, embedder } = options;
  const batchSize = options.batchSize ?? 64;
  const report: RebuildReport = { modelId: embedder.modelId, tables: [] };
  for (const target of options.targets ?? DEFAULT_EMBEDDING_TARGETS) {
    if (!IDENTIFIER.test(target.table)) throw new Error(`Invalid table name ${target.table}`);
    const [exists] = await sql.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [`public.${target.table}`]);
    if (!exists?.found) continue;
    const stale = options.all ? 'TRUE' : `"embedding_model" IS DISTINCT FROM $1 OR "embedding" IS NULL`;
    const params = options.all ? [] : [embedder.modelId];
    const [{ count } = { count: 0 }] = await sql.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM "${target.table}" WHERE ${stale}`,
      params,
    );
    let done = 0;
    let lastId = '00000000-0000-0000-0000-000000000000';
    options.onProgress?.(target.table, 0, count);
    while (done < count) {
      options.signal?.throwIfAborted();
      const rows = await sql.query<{ id: string; text: string }>(
        `SELECT "id"::text AS id, ${target.textExpression} AS text FROM "${target.table}" WHERE (${stale}) AND "id" > $${params.length + 1}::uuid ORDER BY "id" LIMIT ${batchSize}`,
        [...params, lastId],
      );
      if (rows.length === 0) break;
      const vectors = await embedder.embed(
        rows.map((row) => row.text ?? ''),
        options.signal,
      );
      await sql.transaction(async (tx) => {
        for (let index = 0; index < rows.length; index += 1) {
          await tx.query(`UPDATE "${target.table}" SET "embedding" = $1::vector, "embedding_model" = $2 WHERE "id" = $3::uuid`, [
            toPgVector(toStoredVector(vectors[index]!)),
            embedder.modelId,
            rows[index]!.id,
          ]);
        }
      });
      done += rows.length;
      lastId = rows[rows.length - 1]!.id;
      options.onProgress?.(target.table, done, count);
    }
    report.tables.push({ table: target.table, reembedded: done });
  }
  return report;
}

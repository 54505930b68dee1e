import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.js';
import type { Embedder } from '../../src/inference/inference-contract.js';
import { DEFAULT_EMBEDDING_TARGETS, rebuildEmbeddings } from '../../src/inference/embedding-rebuild.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { categorySynchroniser, embeddingText } from '../../src/tools/services/service-catalog.js';
import { SERVICE_CATEGORIES } from '../../src/tools/services/service-taxonomy.js';
import { testBackends } from '../support/test-databases.js';

/** A 3-dimension embedder standing in for a model with a smaller vector (zero-padded on storage). */
const tinyEmbedder: Embedder = {
  modelId: 'tiny:3',
  dimension: 3,
  async embed(texts) {
    return texts.map((text) => Float32Array.from([text.length, 1, 0]).map((value, _index, all) => value / Math.hypot(...all)));
  },
};

const CHUNKS = DEFAULT_EMBEDDING_TARGETS.filter((target) => target.table === 'document_chunks');

for (const backend of testBackends()) {
  describe(`embeddings rebuild (${backend.name})`, { timeout: 60_000 }, () => {
    let database: Database;
    const documentId = randomUUID();

    before(async () => {
      database = await backend.open();
      await database.sql.query(`INSERT INTO documents (id, title, content, content_hash, updated_at) VALUES ($1, 'doc', 'x', $2, now())`, [
        documentId,
        'a'.repeat(64),
      ]);
      // Rows 0-1 are current (lexical, with a vector), 2-5 come from an old model, 6 has no vector yet.
      for (let ordinal = 0; ordinal < 7; ordinal += 1) {
        const content = ordinal === 3 ? 'téléchargement lent' : `chunk number ${ordinal}`;
        const [vector] = await createLexicalEmbedder().embed([content]);
        await database.sql.query(
          `INSERT INTO document_chunks (id, document_id, ordinal, content, start_offset, end_offset, embedding_model, embedding) VALUES ($1, $2, $3, $4, 0, 1, $5, $6::vector)`,
          [
            randomUUID(),
            documentId,
            ordinal,
            content,
            ordinal < 2 ? 'lexical-v1-384' : ordinal < 6 ? 'old-model' : null,
            ordinal < 2 ? `[${Array.from(vector!).join(',')}]` : ordinal < 6 ? `[${new Array(384).fill(0.05).join(',')}]` : null,
          ],
        );
      }
    });
    after(async () => {
      await database?.close();
    });

    it('re-embeds only the rows made by another model, in batches', async () => {
      const progress: number[] = [];
      const report = await rebuildEmbeddings({
        sql: database.sql,
        embedder: createLexicalEmbedder(),
        targets: CHUNKS,
        batchSize: 2,
        onProgress: (_table, done) => progress.push(done),
      });
      assert.deepEqual(report, { modelId: 'lexical-v1-384', tables: [{ table: 'document_chunks', reembedded: 5 }] });
      assert.deepEqual(progress, [0, 2, 4, 5]);
      const rows = await database.sql.query<{ content: string; model: string; has: boolean }>(
        `SELECT content, embedding_model AS model, embedding IS NOT NULL AS has FROM document_chunks ORDER BY ordinal`,
      );
      assert.ok(rows.every((row) => row.model === 'lexical-v1-384'));
      assert.ok(rows.every((row) => row.has));
      // The vectors are searchable: the unaccented query finds the accented chunk first.
      const [query] = await createLexicalEmbedder().embed(['telechargement lent']);
      const [best] = await database.sql.query<{ content: string }>(
        `SELECT content FROM document_chunks WHERE embedding IS NOT NULL ORDER BY embedding <=> $1::vector LIMIT 1`,
        [`[${Array.from(query!).join(',')}]`],
      );
      assert.equal(best!.content, 'téléchargement lent');
      const again = await rebuildEmbeddings({ sql: database.sql, embedder: createLexicalEmbedder(), targets: CHUNKS });
      assert.equal(again.tables[0]!.reembedded, 0);
    });

    it('stores smaller model vectors zero-padded, with the model id', async () => {
      const report = await rebuildEmbeddings({ sql: database.sql, embedder: tinyEmbedder, targets: CHUNKS, batchSize: 3 });
      assert.equal(report.tables[0]!.reembedded, 7);
      const [row] = await database.sql.query<{ model: string; dims: number; text: string }>(
        `SELECT embedding_model AS model, vector_dims(embedding) AS dims, embedding::text AS text FROM document_chunks WHERE ordinal = 0`,
      );
      assert.equal(row!.model, 'tiny:3');
      assert.equal(row!.dims, 384);
      assert.match(row!.text, /^\[[^,]+,[^,]+,0,0,/);
    });

    it('re-embeds service listings from the same text the service catalog embeds', async () => {
      await categorySynchroniser(database.sql);
      const category = SERVICE_CATEGORIES[0]!;
      const listings = [
        { id: randomUUID(), title: 'Réparation de fibre optique', description: 'Intervention sous 4 heures', city: 'Lyon' },
        { id: randomUUID(), title: 'Audit réseau', description: '', city: null },
      ];
      for (const listing of listings) {
        await database.sql.query(
          `INSERT INTO services (id, title, description, category, city, embedding_model) VALUES ($1, $2, $3, $4, $5, 'old-model')`,
          [listing.id, listing.title, listing.description, category.slug, listing.city],
        );
      }
      const report = await rebuildEmbeddings({ sql: database.sql, embedder: createLexicalEmbedder() });
      assert.deepEqual(report.tables, [
        { table: 'document_chunks', reembedded: 7 },
        { table: 'services', reembedded: 2 },
      ]);
      for (const listing of listings) {
        const [row] = await database.sql.query<{ text: string }>(`SELECT embedding::text AS text FROM services WHERE id = $1`, [
          listing.id,
        ]);
        const [expected] = await createLexicalEmbedder().embed([embeddingText({ ...listing, category: category.slug })]);
        const stored = JSON.parse(row!.text) as number[];
        assert.ok(
          stored.every((value, index) => Math.abs(value - expected![index]!) < 1e-6),
          `vector of ${listing.title} differs from the catalog's`,
        );
      }
    });

    it('stops on abort without half-writing a batch', async () => {
      const controller = new AbortController();
      let batches = 0;
      const aborting: Embedder = {
        modelId: 'aborting:384',
        dimension: 384,
        async embed(texts, signal) {
          batches += 1;
          if (batches === 2) controller.abort();
          signal?.throwIfAborted();
          return createLexicalEmbedder().embed(texts);
        },
      };
      await assert.rejects(
        rebuildEmbeddings({ sql: database.sql, embedder: aborting, targets: CHUNKS, batchSize: 3, signal: controller.signal }),
        { name: 'AbortError' },
      );
      const counts = await database.sql.query<{ model: string; count: number }>(
        `SELECT embedding_model AS model, count(*)::int AS count FROM document_chunks GROUP BY 1 ORDER BY 1`,
      );
      assert.deepEqual(counts, [
        { model: 'aborting:384', count: 3 },
        { model: 'lexical-v1-384', count: 4 },
      ]);
    });
  });
}

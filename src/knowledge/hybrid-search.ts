/**
 * Hybrid retrieval: the vector leg (pgvector HNSW, cosine) and the lexical leg (English and
 * French stems, weighted headings) run in parallel and are fused by reciprocal rank fusion,
 * which needs no score calibration between the two. Filters by tag and document; a minimum
 * fused score drops weak tails.
 */
import type { Database } from '../db/database.js';
import type { Embedder } from '../inference/inference-contract.js';
import { toPgVector, toStoredVector } from '../inference/embedding-service.js';

/** Which legs to use: `hybrid` in production, the single legs for evaluation. */
export type RetrievalMode = 'hybrid' | 'lexical' | 'vector';

/** A search request. */
export interface KnowledgeQuery {
  q: string;
  k: number;
  tags?: string[] | undefined;
  documentId?: string | undefined;
  minScore?: number | undefined;
  mode?: RetrievalMode;
  /**
   * In hybrid mode, when no passage shares a word with the query, vector neighbours must be
   * at least this close (cosine distance) to count: nearest neighbours always exist, so
   * without this gate a query about anything would return the least unrelated runbook.
   */
  vectorOnlyMaxDistance?: number | undefined;
}

/** Default gate for vector-only matches, tuned on the lexical embedder (see README). */
export const DEFAULT_VECTOR_ONLY_MAX_DISTANCE = 0.8;

/** A passage with where it comes from and why it ranked. */
export interface Passage {
  chunkId: string;
  documentId: string;
  title: string;
  sourceUrl: string | null;
  headingPath: string[];
  startOffset: number;
  endOffset: number;
  content: string;
  score: number;
  lexicalRank: number | null;
  vectorRank: number | null;
  vectorDistance: number | null;
}

/** RRF constant: 60 is the value from the original paper and works across corpora. */
export const RRF_K = 60;

interface LegRow {
  id: string;
  document_id: string;
  title: string;
  source_url: string | null;
  heading_path: string[];
  start_offset: number;
  end_offset: number;
  content: string;
  distance?: number;
}

/**
 * Any-term query in English and French stems: a natural-language question rarely has every
 * word in one passage (AND semantics), so passages match on any stem and rank by how many
 * and how close (ts_rank_cd).
 */
export const ANY_TERM_QUERY = `(
  SELECT to_tsquery('english', coalesce(string_agg(quote_literal(lexeme), ' | '), '')) FROM unnest(to_tsvector('english', $1))
) || (
  SELECT to_tsquery('french', coalesce(string_agg(quote_literal(lexeme), ' | '), '')) FROM unnest(to_tsvector('french', $1))
)`;

/** Every-word query (websearch syntax: quotes and -exclusions work) in either language. */
export const ALL_TERMS_QUERY = `(websearch_to_tsquery('english', $1) || websearch_to_tsquery('french', $1))`;

const SELECT_PASSAGE = `c.id, c.document_id, d.title, d.source_url, c.heading_path, c.start_offset, c.end_offset, c.content`;

/** WHERE fragment for tag and document filters; parameters start at `$first`. */
function filters(query: KnowledgeQuery, first: number): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (query.tags?.length) {
    params.push(query.tags);
    parts.push(`d.tags && $${first + params.length - 1}::text[]`);
  }
  if (query.documentId) {
    params.push(query.documentId);
    parts.push(`c.document_id = $${first + params.length - 1}::uuid`);
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params };
}

/** Passages matched before ranking: bounds the cost of very common words on large corpora. */
export const LEXICAL_CANDIDATES = 2000;

/**
 * Matches ranked by cover density: `ts_rank_cd` costs ~50 µs a passage (≈ 100 ms over 2,000
 * matches), so the cheaper frequency rank (`ts_rank`) picks this many first. A corpus with
 * fewer matches ranks exactly as before.
 */
export const LEXICAL_SHORTLIST = 200;

/**
 * The lexical leg: passages matching the query's stems in either language. Passages with
 * every word come first (AND); when fewer than `limit` do, any-word matches fill in (OR).
 * Each pass ranks at most LEXICAL_CANDIDATES matches, so frequent words stay cheap.
 */
export async function lexicalLeg(database: Database, query: KnowledgeQuery, limit: number): Promise<LegRow[]> {
  const filter = filters(query, 3);
  // The documents join only when a tag filter needs it; passage columns only for the ranked few.
  const join = query.tags?.length ? ' JOIN documents d ON d.id = c.document_id' : '';
  const prepared = database.sql.queryPrepared?.bind(database.sql) ?? database.sql.query.bind(database.sql);
  const run = (tsquery: string) =>
    prepared<LegRow>(
      `WITH q AS (SELECT ${tsquery} AS query),
       matches AS (
         SELECT c.id, c.search_vector, ts_rank(c.search_vector, q.query) AS rough FROM document_chunks c${join}, q
         WHERE c.search_vector @@ q.query${filter.sql}
         LIMIT ${LEXICAL_CANDIDATES}
       ),
       shortlist AS (SELECT id, search_vector FROM matches ORDER BY rough DESC, id LIMIT GREATEST(${LEXICAL_SHORTLIST}, $2)),
       ranked AS (
         SELECT s.id, ts_rank_cd(s.search_vector, q.query) AS rank FROM shortlist s, q ORDER BY rank DESC, s.id LIMIT $2
       )
       SELECT ${SELECT_PASSAGE}
       FROM ranked r JOIN document_chunks c ON c.id = r.id JOIN documents d ON d.id = c.document_id
       ORDER BY r.rank DESC, c.id`,
      [query.q, limit, ...filter.params],
    );
  const all = await run(ALL_TERMS_QUERY);
  if (all.length >= limit) return all;
  const any = await run(ANY_TERM_QUERY);
  const seen = new Set(all.map((row) => row.id));
  return [...all, ...any.filter((row) => !seen.has(row.id))].slice(0, limit);
}

/** The vector leg: nearest passages by cosine distance through the HNSW index. */
export async function vectorLeg(database: Database, embedder: Embedder, query: KnowledgeQuery, limit: number): Promise<LegRow[]> {
  const [vector] = await embedder.embed([query.q]);
  const literal = toPgVector(toStoredVector(vector!));
  const filter = filters(query, 4);
  const sql = `SELECT ${SELECT_PASSAGE}, c.embedding <=> $1::vector AS distance
       FROM document_chunks c JOIN documents d ON d.id = c.document_id
       WHERE c.embedding IS NOT NULL AND c.embedding_model = $3${filter.sql}
       ORDER BY c.embedding <=> $1::vector
       LIMIT $2`;
  const params = [literal, limit, embedder.modelId, ...filter.params];
  // HNSW returns at most ef_search candidates (default 40, recall ≈ 0.88 at 100k passages):
  // a wider search list keeps recall@10 above 0.95, and more when filters discard neighbours.
  return database.sql.transaction(async (tx) => {
    await tx.exec(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(filter.sql ? 200 : 100, limit * 4))}`);
    return tx.query<LegRow>(sql, params);
  });
}

/** Runs the legs the mode asks for and fuses them. */
export async function searchKnowledge(database: Database, embedder: Embedder, query: KnowledgeQuery): Promise<Passage[]> {
  const mode = query.mode ?? 'hybrid';
  const depth = Math.max(query.k * 4, 20);
  const [lexical, nearest] = await Promise.all([
    mode === 'vector' ? Promise.resolve([]) : lexicalLeg(database, query, depth),
    mode === 'lexical' ? Promise.resolve([]) : vectorLeg(database, embedder, query, depth),
  ]);
  const gate = query.vectorOnlyMaxDistance ?? DEFAULT_VECTOR_ONLY_MAX_DISTANCE;
  const vector = mode === 'hybrid' && lexical.length === 0 ? nearest.filter((row) => Number(row.distance) <= gate) : nearest;
  const fused = new Map<string, Passage>();
  const add = (rows: LegRow[], leg: 'lexical' | 'vector') => {
    rows.forEach((row, index) => {
      const entry =
        fused.get(row.id) ??
        ({
          chunkId: row.id,
          documentId: row.document_id,
          title: row.title,
          sourceUrl: row.source_url,
          headingPath: row.heading_path ?? [],
          startOffset: row.start_offset,
          endOffset: row.end_offset,
          content: row.content,
          score: 0,
          lexicalRank: null,
          vectorRank: null,
          vectorDistance: null,
        } satisfies Passage);
      entry.score += 1 / (RRF_K + index + 1);
      if (leg === 'lexical') entry.lexicalRank = index + 1;
      else {
        entry.vectorRank = index + 1;
        entry.vectorDistance = Number(row.distance);
      }
      fused.set(row.id, entry);
    });
  };
  add(lexical, 'lexical');
  add(vector, 'vector');
  const minScore = query.minScore ?? 0;
  return [...fused.values()]
    .filter((passage) => passage.score >= minScore)
    .sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId))
    .slice(0, query.k)
    .map((passage) => ({ ...passage, score: Math.round(passage.score * 1e6) / 1e6 }));
}

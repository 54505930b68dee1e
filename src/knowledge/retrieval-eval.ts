/**
 * Retrieval quality: recall@5, recall@10 and MRR of the lexical leg, the vector leg and the
 * hybrid fusion side by side, over queries labelled with their relevant documents, so a
 * change to chunking, embeddings or fusion is judged by numbers.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { KnowledgeBase } from './knowledge-base.js';
import type { RetrievalMode } from './hybrid-search.js';

/** One labelled query: relevant documents by id, source path or file name. */
export const evalQuerySchema = z.strictObject({ query: z.string().min(1).max(2000), relevant: z.array(z.string().min(1)).min(1) });
/** A labelled query. */
export type EvalQuery = z.infer<typeof evalQuerySchema>;

/** Metrics of one mode. */
export interface ModeMetrics {
  recallAt5: number;
  recallAt10: number;
  mrr: number;
}

/** Reads a JSONL file of labelled queries, reporting the first bad line precisely. */
export async function readEvalFile(file: string): Promise<EvalQuery[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const queries: EvalQuery[] = [];
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ValidationError(`${file}:${index + 1}: not valid JSON`);
    }
    const parsed = evalQuerySchema.safeParse(value);
    if (!parsed.success)
      throw new ValidationError(
        `${file}:${index + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'} (expected {"query","relevant":[…]})`,
      );
    queries.push(parsed.data);
  });
  if (queries.length === 0) throw new ValidationError(`${file}: no queries`);
  return queries;
}

/** Evaluates the three modes over the queries at depth 10 (documents, not passages, count). */
export async function evaluateRetrieval(knowledge: KnowledgeBase, queries: EvalQuery[]): Promise<Record<RetrievalMode, ModeMetrics>> {
  const documents = await knowledge.database.sql.query<{ id: string; source_url: string | null; title: string }>(
    'SELECT id, source_url, title FROM documents',
  );
  const keysOf = (id: string) => {
    const document = documents.find((row) => row.id === id);
    return [id, document?.source_url ?? '', document?.source_url ? path.basename(document.source_url) : '', document?.title ?? ''];
  };
  const result = {} as Record<RetrievalMode, ModeMetrics>;
  for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
    let recall5 = 0;
    let recall10 = 0;
    let reciprocal = 0;
    for (const item of queries) {
      const passages = await knowledge.search({ q: item.query, k: 40, mode });
      const ranked = [...new Set(passages.map((passage) => passage.documentId))];
      const isRelevant = (documentId: string) => keysOf(documentId).some((key) => key && item.relevant.includes(key));
      const found = (depth: number) => ranked.slice(0, depth).filter(isRelevant).length / item.relevant.length;
      recall5 += Math.min(1, found(5));
      recall10 += Math.min(1, found(10));
      const first = ranked.findIndex(isRelevant);
      reciprocal += first >= 0 ? 1 / (first + 1) : 0;
    }
    const round = (value: number) => Math.round((value / queries.length) * 1000) / 1000;
    result[mode] = { recallAt5: round(recall5), recallAt10: round(recall10), mrr: round(reciprocal) };
  }
  return result;
}

/**
 * One query across conversations, messages and documents, each leg limited to what the
 * caller may see, run in parallel and ranked by PostgreSQL full-text rank.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import { mayActOnAny } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { documentSearcher, type DocumentHit } from './documents.js';

/** Results grouped by kind. */
export interface SearchResults {
  conversations: Array<{ id: string; title: string; score: number }>;
  messages: Array<{ id: string; conversationId: string; role: string; excerpt: string; score: number; createdAt: string }>;
  documents: DocumentHit[];
}

/** Runs the three searches. */
export async function globalSearcher(
  prisma: PrismaClient,
  principal: Principal,
  query: { q: string; limit: number },
): Promise<SearchResults> {
  const owner = mayActOnAny(principal, 'conversation.read') ? null : principal.userId;
  const [conversations, messages, documents] = await Promise.all([
    prisma.$queryRaw<SearchResults['conversations']>`
      SELECT c.id, c.title, ts_rank_cd(c.search_vector, q.query)::float8 AS score
      FROM conversations c, websearch_to_tsquery('simple', ${query.q}) AS q(query)
      WHERE c.search_vector @@ q.query AND (${owner}::uuid IS NULL OR c.owner_id = ${owner}::uuid)
      ORDER BY score DESC, c.id LIMIT ${query.limit}`,
    prisma.$queryRaw<Array<Omit<SearchResults['messages'][number], 'createdAt'> & { createdAt: Date }>>`
      SELECT m.id, m.conversation_id AS "conversationId", m.role::text AS role, m.created_at AS "createdAt",
             ts_headline('simple', m.content, q.query, 'MaxFragments=1, MinWords=5, MaxWords=25') AS excerpt,
             ts_rank_cd(m.search_vector, q.query)::float8 AS score
      FROM messages m JOIN conversations c ON c.id = m.conversation_id,
           websearch_to_tsquery('simple', ${query.q}) AS q(query)
      WHERE m.search_vector @@ q.query AND (${owner}::uuid IS NULL OR c.owner_id = ${owner}::uuid)
      ORDER BY score DESC, m.id LIMIT ${query.limit}`,
    documentSearcher(prisma, { q: query.q, limit: query.limit }),
  ]);
  return {
    conversations: conversations.map((row) => ({ ...row, score: Number(row.score) })),
    messages: messages.map((row) => ({ ...row, score: Number(row.score), createdAt: new Date(row.createdAt).toISOString() })),
    documents,
  };
}

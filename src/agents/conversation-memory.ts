/**
 * Multi-turn memory from the conversation's stored messages: the newest ones that fit a
 * token budget, oldest first. Stored messages are the memory, so every node (and a restart)
 * sees the same history.
 */
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import type { PrismaClient } from '../generated/prisma/client.js';

/** Rough token count (≈ 4 characters per token), good enough for windowing. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The last messages of a conversation within `maxTokens`, excluding `excludeId`. */
export async function conversationMemory(
  prisma: PrismaClient,
  conversationId: string,
  options: { maxTokens: number; excludeId?: string | undefined; maxMessages?: number },
): Promise<BaseMessage[]> {
  const rows = await prisma.message.findMany({
    where: { conversationId, role: { in: ['user', 'assistant'] }, ...(options.excludeId ? { id: { not: options.excludeId } } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.maxMessages ?? 50,
  });
  const kept: BaseMessage[] = [];
  let budget = options.maxTokens;
  for (const row of rows) {
    const cost = estimateTokens(row.content) + 4;
    if (cost > budget) break;
    budget -= cost;
    kept.push(row.role === 'user' ? new HumanMessage(row.content) : new AIMessage(row.content));
  }
  return kept.reverse();
}

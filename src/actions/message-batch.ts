/**
 * The group commit of user messages (socket `message:send`): the messages of one short window
 * are checked with one read of their conversations and one of their idempotency keys (in parallel), then
 * stored with ONE multi-row INSERT and the conversations' `updatedAt` in ONE transaction.
 * The seq trigger numbers the rows in the INSERT's order, so seqs follow arrival order within
 * a conversation. Nothing is announced before the commit; if the batch's transaction fails,
 * each of its messages is posted again on its own with messagePoster, so a message that cannot
 * be stored fails alone and the others are stored (never half a batch).
 */
import type { Message, Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Principal } from '../auth/principal.js';
import { NotFoundError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isVisibleTo } from './conversations.js';
import { messageView } from './conversation-views.js';
import type { DomainEvents } from './domain-events.js';
import { messagePoster, type MessageInput, type PostedMessage } from './messages.js';

/** One message of a batch: a user message with its idempotency key. */
export interface BatchedMessage {
  principal: Principal;
  conversationId: string;
  input: MessageInput & { clientMessageId: string };
}

/** Each entry's outcome, in the batch's order: its message, or the error that refused it. */
export type BatchOutcome = { ok: true; posted: PostedMessage } | { ok: false; error: unknown };

const keyOf = (conversationId: string, clientMessageId: string) => `${conversationId}\u0000${clientMessageId}`;

/** Stores `entries` (user messages) as one group commit; see the file comment. */
export async function messageBatchPoster(
  prisma: PrismaClient,
  events: DomainEvents | undefined,
  logger: Logger,
  entries: BatchedMessage[],
): Promise<BatchOutcome[]> {
  const outcomes: (BatchOutcome | undefined)[] = entries.map(() => undefined);
  const conversationIds = [...new Set(entries.map((entry) => entry.conversationId))];
  // Both reads at once (two pool connections): a key found in a conversation the sender may not see is never used.
  const [conversationRows, existingRows] = await Promise.all([
    prisma.conversation.findMany({ where: { id: { in: conversationIds } }, select: { id: true, ownerId: true } }),
    prisma.message.findMany({
      where: { OR: entries.map((entry) => ({ conversationId: entry.conversationId, clientMessageId: entry.input.clientMessageId })) },
    }),
  ]);
  const conversations = new Map(conversationRows.map((row) => [row.id, row]));
  const visible: number[] = [];
  entries.forEach((entry, index) => {
    const conversation = conversations.get(entry.conversationId);
    if (!conversation || !isVisibleTo(entry.principal, conversation))
      outcomes[index] = { ok: false, error: new NotFoundError('Conversation') };
    else visible.push(index);
  });
  const existing = new Map<string, Message>(existingRows.map((row) => [keyOf(row.conversationId, row.clientMessageId ?? ''), row]));
  // The first of each key inserts; a repeat (a retry within the window) gets that message.
  const inserting = new Map<string, number>();
  const repeats: number[] = [];
  for (const index of visible) {
    const entry = entries[index]!;
    const key = keyOf(entry.conversationId, entry.input.clientMessageId);
    const found = existing.get(key);
    if (found) outcomes[index] = { ok: true, posted: { message: messageView(found), created: false } };
    else if (inserting.has(key)) repeats.push(index);
    else inserting.set(key, index);
  }
  const stored = await insertAll(prisma, logger, entries, [...inserting.values()]);
  for (const [index, outcome] of stored) outcomes[index] = outcome;
  for (const index of repeats) {
    const entry = entries[index]!;
    const first = outcomes[inserting.get(keyOf(entry.conversationId, entry.input.clientMessageId))!]!;
    outcomes[index] = first.ok ? { ok: true, posted: { message: first.posted.message, created: false } } : first;
  }
  for (const [index, outcome] of stored) {
    if (outcome.ok && outcome.posted.created)
      events?.emit('message.created', {
        message: outcome.posted.message,
        ownerId: conversations.get(entries[index]!.conversationId)!.ownerId,
      });
  }
  return outcomes.map((outcome) => outcome ?? { ok: false, error: new Error('message batch left an entry unanswered') });
}

/** One transaction for all; when it fails, each message alone (announcing nothing: the caller does). */
async function insertAll(
  prisma: PrismaClient,
  logger: Logger,
  entries: BatchedMessage[],
  indexes: number[],
): Promise<Map<number, BatchOutcome>> {
  const outcomes = new Map<number, BatchOutcome>();
  if (indexes.length === 0) return outcomes;
  const data = indexes.map((index) => {
    const { principal, conversationId, input } = entries[index]!;
    return {
      conversationId,
      authorId: principal.userId,
      role: 'user' as const,
      content: input.content,
      metadata: (input.metadata ?? {}) as Prisma.InputJsonValue,
      clientMessageId: input.clientMessageId,
      channel: input.channel ?? 'api',
    };
  });
  try {
    const [rows] = await prisma.$transaction([
      prisma.message.createManyAndReturn({ data }),
      prisma.conversation.updateMany({
        where: { id: { in: [...new Set(data.map((row) => row.conversationId))] } },
        data: { updatedAt: new Date() },
      }),
    ]);
    const byKey = new Map(rows.map((row) => [keyOf(row.conversationId, row.clientMessageId ?? ''), row]));
    for (const index of indexes) {
      const entry = entries[index]!;
      const row = byKey.get(keyOf(entry.conversationId, entry.input.clientMessageId));
      outcomes.set(
        index,
        row ? { ok: true, posted: { message: messageView(row), created: true } } : { ok: false, error: new Error('stored row missing') },
      );
    }
    return outcomes;
  } catch (error) {
    logger.warn({ err: error, messages: indexes.length }, 'message batch failed; storing its messages one by one');
  }
  for (const index of indexes) {
    const { principal, conversationId, input } = entries[index]!;
    try {
      outcomes.set(index, { ok: true, posted: await messagePoster(prisma, undefined, principal, conversationId, input) });
    } catch (error) {
      outcomes.set(index, { ok: false, error });
    }
  }
  return outcomes;
}

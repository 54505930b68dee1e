/**
 * Message actions. Posting is idempotent on (conversation, clientMessageId): a client that
 * retries after a timeout or a reconnect gets the message it already created, never a copy.
 * The message is stored before anyone is told about it.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Principal } from '../auth/principal.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { may, mayActOnAny } from '../auth/policy.js';
import { conversationFinder, conversationReader } from './conversations.js';
import { messageView, type MessageView } from './conversation-views.js';
import type { DomainEvents } from './domain-events.js';
import { afterCursorAscending, afterCursorDescending, decodeCursor, toPage, type Page } from './pagination.js';

type Channel = 'console' | 'api' | 'slack' | 'discord' | 'cli' | 'system' | 'mcp';

/** What a caller may post. */
export interface MessageInput {
  content: string;
  role?: 'user' | 'assistant' | 'system' | 'tool' | undefined;
  metadata?: Record<string, unknown> | undefined;
  clientMessageId?: string | undefined;
  channel?: Channel | undefined;
}

/** The stored message and whether this call created it. */
export interface PostedMessage {
  message: MessageView;
  created: boolean;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

/** Stores a message in a visible conversation, then announces it. */
export async function messagePoster(
  prisma: PrismaClient,
  events: DomainEvents | undefined,
  principal: Principal,
  conversationId: string,
  input: MessageInput,
): Promise<PostedMessage> {
  const role = input.role ?? 'user';
  if (role !== 'user' && !may(principal, 'message.postAsAssistant')) {
    throw new ForbiddenError(`Posting ${role} messages requires the operator role`);
  }
  const conversation = await conversationFinder(prisma, principal, conversationId);
  if (input.clientMessageId) {
    const existing = await prisma.message.findUnique({
      where: { conversationId_clientMessageId: { conversationId, clientMessageId: input.clientMessageId } },
    });
    if (existing) return { message: messageView(existing), created: false };
  }
  let row;
  try {
    row = await prisma.message.create({
      data: {
        conversationId,
        authorId: principal.userId,
        role,
        content: input.content,
        metadata: (input.metadata ?? {}) as Prisma.InputJsonValue,
        clientMessageId: input.clientMessageId ?? null,
        channel: input.channel ?? 'api',
      },
    });
  } catch (error) {
    // A concurrent retry with the same clientMessageId won the race: return its message.
    if (input.clientMessageId && isUniqueViolation(error)) {
      const existing = await prisma.message.findUnique({
        where: { conversationId_clientMessageId: { conversationId, clientMessageId: input.clientMessageId } },
      });
      if (existing) return { message: messageView(existing), created: false };
    }
    throw error;
  }
  // Keeps "recently active" ordering; not part of the message's own write.
  await prisma.conversation.update({ where: { id: conversationId }, data: { updatedAt: new Date() } });
  const message = messageView(row);
  events?.emit('message.created', { message, ownerId: conversation.ownerId });
  return { message, created: true };
}

/** Messages of one visible conversation in time order. */
export async function conversationMessageLister(
  prisma: PrismaClient,
  principal: Principal,
  conversationId: string,
  filters: { limit: number; cursor?: string | undefined },
): Promise<Page<MessageView>> {
  await conversationReader(prisma, principal, conversationId);
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : undefined;
  const rows = await prisma.message.findMany({
    where: { conversationId, ...afterCursorAscending(cursor) },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: filters.limit + 1,
  });
  const page = toPage(rows, filters.limit);
  return { data: page.data.map(messageView), nextCursor: page.nextCursor };
}

/** Messages across every conversation the caller can see, newest first. */
export async function messageLister(
  prisma: PrismaClient,
  principal: Principal,
  filters: { limit: number; cursor?: string | undefined; conversationId?: string | undefined; role?: MessageInput['role'] },
): Promise<Page<MessageView>> {
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : undefined;
  const rows = await prisma.message.findMany({
    where: {
      AND: [
        mayActOnAny(principal, 'conversation.read') ? {} : { conversation: { ownerId: principal.userId } },
        filters.conversationId ? { conversationId: filters.conversationId } : {},
        filters.role ? { role: filters.role } : {},
        afterCursorDescending(cursor),
      ],
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filters.limit + 1,
  });
  const page = toPage(rows, filters.limit);
  return { data: page.data.map(messageView), nextCursor: page.nextCursor };
}

/** One message, if its conversation is visible to the caller. */
export async function messageFinder(prisma: PrismaClient, principal: Principal, id: string): Promise<MessageView> {
  const row = await prisma.message.findFirst({
    where: { id, ...(mayActOnAny(principal, 'conversation.read') ? {} : { conversation: { ownerId: principal.userId } }) },
  });
  if (!row) throw new NotFoundError('Message');
  return messageView(row);
}

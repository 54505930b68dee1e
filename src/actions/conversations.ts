/**
 * Conversation actions shared by REST, sockets and bots. Visibility is enforced here: only
 * the owner or an admin can see or change a conversation, and everyone else gets 404 so
 * that ids do not leak.
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Principal } from '../auth/principal.js';
import { NotFoundError } from '../errors.js';
import { conversationView, type ConversationView } from './conversation-views.js';
import { afterCursorDescending, decodeCursor, toPage, type Page } from './pagination.js';

type Channel = 'console' | 'api' | 'slack' | 'discord' | 'cli' | 'system';

/** Fields a caller may set when creating a conversation. */
export interface ConversationInput {
  title: string;
  description?: string | null | undefined;
  context?: Record<string, unknown> | undefined;
  originChannel?: Channel | undefined;
  externalRef?: string | null | undefined;
}

/** Filters for listing. */
export interface ConversationFilters {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  channel?: Channel | undefined;
  ownerId?: string | undefined;
}

function visibleTo(principal: Principal): Prisma.ConversationWhereInput {
  return principal.role === 'admin' ? {} : { ownerId: principal.userId };
}

/** Loads a conversation the caller may see, or throws 404. */
export async function conversationFinder(prisma: PrismaClient, principal: Principal, id: string) {
  const row = await prisma.conversation.findFirst({ where: { id, ...visibleTo(principal) } });
  if (!row) throw new NotFoundError('Conversation');
  return row;
}

/** Creates a conversation owned by the caller. */
export async function conversationCreator(
  prisma: PrismaClient,
  principal: Principal,
  input: ConversationInput,
): Promise<ConversationView> {
  const row = await prisma.conversation.create({
    data: {
      title: input.title,
      description: input.description ?? null,
      context: (input.context ?? {}) as Prisma.InputJsonValue,
      originChannel: input.originChannel ?? 'api',
      externalRef: input.externalRef ?? null,
      ownerId: principal.userId,
    },
  });
  return conversationView(row);
}

/** Lists visible conversations, newest first, one keyset page at a time. */
export async function conversationLister(
  prisma: PrismaClient,
  principal: Principal,
  filters: ConversationFilters,
): Promise<Page<ConversationView>> {
  const cursor = filters.cursor ? decodeCursor(filters.cursor) : undefined;
  const where: Prisma.ConversationWhereInput = {
    AND: [
      visibleTo(principal),
      afterCursorDescending(cursor),
      filters.q ? { title: { contains: filters.q, mode: 'insensitive' } } : {},
      filters.channel ? { originChannel: filters.channel } : {},
      filters.ownerId ? { ownerId: filters.ownerId } : {},
    ],
  };
  const rows = await prisma.conversation.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filters.limit + 1,
  });
  const page = toPage(rows, filters.limit);
  return { data: page.data.map(conversationView), nextCursor: page.nextCursor };
}

/** Updates title, description or context of a visible conversation. */
export async function conversationUpdater(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  changes: Partial<Pick<ConversationInput, 'title' | 'description' | 'context'>>,
): Promise<ConversationView> {
  await conversationFinder(prisma, principal, id);
  const row = await prisma.conversation.update({
    where: { id },
    data: {
      ...(changes.title !== undefined ? { title: changes.title } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.context !== undefined ? { context: changes.context as Prisma.InputJsonValue } : {}),
    },
  });
  return conversationView(row);
}

/** Deletes a visible conversation and its messages. */
export async function conversationDeleter(prisma: PrismaClient, principal: Principal, id: string): Promise<void> {
  const result = await prisma.conversation.deleteMany({ where: { id, ...visibleTo(principal) } });
  if (result.count === 0) throw new NotFoundError('Conversation');
}

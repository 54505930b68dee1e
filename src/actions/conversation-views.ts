/**
 * Public JSON shapes of conversations and messages: what REST, sockets and bots send.
 * Internal columns (search vectors) never leave the server.
 */
import type { Conversation, Message } from '../generated/prisma/client.js';

/** A conversation as clients see it. */
export interface ConversationView {
  id: string;
  title: string;
  description: string | null;
  context: unknown;
  ownerId: string;
  originChannel: string;
  externalRef: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A message as clients see it. */
export interface MessageView {
  id: string;
  conversationId: string;
  authorId: string | null;
  role: string;
  content: string;
  metadata: unknown;
  actionsTaken: unknown;
  modelUsed: string | null;
  processingMs: number | null;
  tokenCount: number | null;
  clientMessageId: string | null;
  channel: string;
  createdAt: string;
  /** Position in its conversation (1, 2, 3…, gap-free unless a message was deleted): clients detect missed messages by it. */
  seq: number;
}

/** Converts a row to its public shape. */
export function conversationView(row: Conversation): ConversationView {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    context: row.context,
    ownerId: row.ownerId,
    originChannel: row.originChannel,
    externalRef: row.externalRef,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Converts a row to its public shape. */
export function messageView(row: Message): MessageView {
  return {
    id: row.id,
    conversationId: row.conversationId,
    authorId: row.authorId,
    role: row.role,
    content: row.content,
    metadata: row.metadata,
    actionsTaken: row.actionsTaken,
    modelUsed: row.modelUsed,
    processingMs: row.processingMs,
    tokenCount: row.tokenCount,
    clientMessageId: row.clientMessageId,
    channel: row.channel,
    createdAt: row.createdAt.toISOString(),
    seq: row.seq,
  };
}

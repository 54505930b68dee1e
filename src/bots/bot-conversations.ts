/**
 * Chat threads as Vigie conversations: one Slack thread or Discord thread/channel is one
 * conversation, keyed by the unique (origin_channel, external_ref), so multi-turn memory
 * follows the thread and the console lists it like any other conversation.
 */
import { conversationCreator } from '../actions/conversations.js';
import type { Principal } from '../auth/principal.js';
import { ForbiddenError } from '../errors.js';
import { may } from '../auth/policy.js';
import type { PrismaClient } from '../generated/prisma/client.js';

/** Where a chat conversation lives. */
export interface ThreadReference {
  channel: 'slack' | 'discord';
  /** e.g. `slack:T123:C456:1700000000.000100`. */
  externalRef: string;
  title: string;
}

const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === 'P2002';

/** The conversation of a thread, created on its first message; refused for other users' threads. */
export async function threadConversation(prisma: PrismaClient, principal: Principal, thread: ThreadReference): Promise<string> {
  const where = { originChannel_externalRef: { originChannel: thread.channel, externalRef: thread.externalRef.slice(0, 256) } };
  let row = await prisma.conversation.findUnique({ where });
  if (!row) {
    try {
      const created = await conversationCreator(prisma, principal, {
        title: thread.title.slice(0, 200) || 'Chat thread',
        originChannel: thread.channel,
        externalRef: thread.externalRef.slice(0, 256),
      });
      return created.id;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      row = await prisma.conversation.findUnique({ where });
      if (!row) throw error;
    }
  }
  if (!may(principal, 'conversation.change', { ownerId: row.ownerId })) {
    throw new ForbiddenError("This thread is another user's conversation with Vigie; start a new thread to ask your own question");
  }
  return row.id;
}

/**
 * Catch-up by sequence number (issue #20). Every message carries its conversation's `seq`
 * (assigned in commit order by a database trigger), so a client that holds everything up to
 * `afterSeq` asks for what follows and pages until `more` is false. The conversation's
 * `lastSeq` is read before the messages: every seq up to it is committed by then, so a
 * client that reaches it without seeing some seq knows that message was deleted, not late.
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Principal } from '../auth/principal.js';
import { conversationReader } from './conversations.js';
import { messageView, type MessageView } from './conversation-views.js';

/** Largest page one catch-up request may ask for. */
export const MAX_SYNC_LIMIT = 1_000;
/** Page size when the caller gives none. */
export const DEFAULT_SYNC_LIMIT = 200;

/** One page of catch-up. */
export interface SyncPage {
  conversationId: string;
  /** Messages with seq > afterSeq, by seq, at most `limit`. */
  messages: MessageView[];
  /** The afterSeq of the next page: the last returned seq (afterSeq itself when none). */
  nextSeq: number;
  /** True when messages after `nextSeq` remain: ask again with afterSeq = nextSeq. */
  more: boolean;
  /** The conversation's newest seq when the page was read. */
  lastSeq: number;
}

/** Reads one page of a visible conversation's messages after `afterSeq`. */
export async function messagesAfterSeq(
  prisma: PrismaClient,
  principal: Principal,
  conversationId: string,
  page: { afterSeq: number; limit: number },
): Promise<SyncPage> {
  const conversation = await conversationReader(prisma, principal, conversationId);
  const rows = await prisma.message.findMany({
    where: { conversationId, seq: { gt: page.afterSeq } },
    orderBy: { seq: 'asc' },
    take: page.limit + 1,
  });
  return toSyncPage(conversationId, rows.map(messageView), page.limit, page.afterSeq, conversation.lastMessageSeq);
}

/** Messages stored after an ISO time (the legacy `since` join), paged the same way. */
export async function messagesSince(
  prisma: PrismaClient,
  conversationId: string,
  lastSeq: number,
  page: { since: Date; limit: number },
): Promise<SyncPage> {
  const rows = await prisma.message.findMany({
    where: { conversationId, createdAt: { gt: page.since } },
    orderBy: { seq: 'asc' },
    take: page.limit + 1,
  });
  const first = rows[0]?.seq ?? lastSeq + 1;
  return toSyncPage(conversationId, rows.map(messageView), page.limit, first - 1, lastSeq);
}

function toSyncPage(conversationId: string, rows: MessageView[], limit: number, afterSeq: number, lastSeq: number): SyncPage {
  const more = rows.length > limit;
  const messages = more ? rows.slice(0, limit) : rows;
  const nextSeq = messages.at(-1)?.seq ?? afterSeq;
  return {
    conversationId,
    messages,
    nextSeq,
    more,
    lastSeq: Math.max(lastSeq, nextSeq),
  };
}

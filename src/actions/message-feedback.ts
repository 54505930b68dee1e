/**
 * Feedback on an answer (Slack's feedback buttons; any channel may use it): one rating per
 * user and assistant message, changed by rating again, stored in `message_feedback` and
 * audited as `message.feedback` so ratings cannot be rewritten silently.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/principal.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { ToolChannel } from '../tools/tool-contract.js';

/** The two ratings. */
export const feedbackRatingSchema = z.enum(['good', 'bad']);

/** A rating. */
export type FeedbackRating = z.infer<typeof feedbackRatingSchema>;

/** What was stored. */
export interface StoredFeedback {
  messageId: string;
  userId: string;
  rating: FeedbackRating;
  conversationId: string;
}

/** Stores (or changes) `principal`'s rating of an assistant message and audits it. */
export async function recordFeedback(
  prisma: PrismaClient,
  audit: AuditLog,
  principal: Principal,
  input: { messageId: unknown; rating: unknown; channel: ToolChannel; externalIds?: Record<string, string> },
): Promise<StoredFeedback> {
  const messageId = z.uuid().safeParse(input.messageId);
  const rating = feedbackRatingSchema.safeParse(input.rating);
  if (!messageId.success) throw new ValidationError('Feedback needs the id of a message');
  if (!rating.success) throw new ValidationError('Feedback is "good" or "bad"');
  const message = await prisma.message.findUnique({
    where: { id: messageId.data },
    select: { id: true, role: true, conversationId: true },
  });
  if (!message || message.role !== 'assistant') throw new NotFoundError('Answer');
  await prisma.messageFeedback.upsert({
    where: { messageId_userId: { messageId: message.id, userId: principal.userId } },
    create: { messageId: message.id, userId: principal.userId, rating: rating.data, channel: input.channel },
    update: { rating: rating.data, channel: input.channel },
  });
  await audit.append({
    action: 'message.feedback',
    actorId: principal.userId,
    actorName: principal.userName,
    channel: input.channel,
    conversationId: message.conversationId,
    externalIds: input.externalIds ?? {},
    details: { messageId: message.id, rating: rating.data },
  });
  return { messageId: message.id, userId: principal.userId, rating: rating.data, conversationId: message.conversationId };
}

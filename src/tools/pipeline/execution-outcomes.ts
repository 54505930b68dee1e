/**
 * Approval outcomes reach the conversation: when an execution that needed a decision ends
 * (run after approval, denied, expired), an assistant message is stored in its conversation
 * with the execution's card (the result view, or who denied it and why, or the expiry), and
 * announced like any message (`message.created` → the console, REST readers, the bots). It
 * is stored, so it is still there after a reload. One message per execution: the message's
 * clientMessageId is `outcome:<execution id>`, unique per conversation, so two nodes (or a
 * retry) can never post it twice.
 */
import { messageView } from '../../actions/conversation-views.js';
import type { DomainEvents } from '../../actions/domain-events.js';
import { executionCardOf, outcomeText } from '../../contracts/execution-card.js';
import { createTranslator, resolveLocale, type Locale, type Translator } from '../../contracts/i18n.js';
import type { Execution, PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { executionView } from './execution-view.js';

/** Who decided, when the caller knows (deny passes the principal and its reason). */
export interface Decision {
  deciderName?: string;
  reason?: string;
}

/** Statuses that end an execution after a decision (or the lack of one). */
const OUTCOMES = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'denied', 'expired']);

/** The sentence of an outcome message, in `i18n`'s language (English by default). */
export function outcomeSentence(card: ReturnType<typeof executionCardOf>, i18n: Translator = createTranslator('en')): string {
  if (card.status === 'denied' || card.status === 'expired') return outcomeText(card, i18n);
  const approved = card.deciderName ? `${i18n.t('approval.approvedBy', { name: card.deciderName })} ` : '';
  if (card.status === 'succeeded') return `${approved}${card.view?.headline ? `${card.tool}: ${card.view.headline}` : i18n.t('approval.outcomeSucceeded', { tool: card.tool })}`;
  return `${approved}${outcomeText(card, i18n)}`;
}

/**
 * The requester's language for the outcome: the locale stored with their last message in the
 * conversation (browser, Accept-Language, Slack, Discord), else their profile's, else English.
 */
async function requesterLocale(prisma: PrismaClient, row: Execution): Promise<Locale | undefined> {
  const asked = await prisma.message.findFirst({ where: { conversationId: row.conversationId!, role: 'user', authorId: row.requesterId }, orderBy: { seq: 'desc' }, select: { metadata: true } });
  const fromMessage = resolveLocale((asked?.metadata as { locale?: unknown } | null)?.locale);
  if (fromMessage) return fromMessage;
  return resolveLocale((await prisma.user.findUnique({ where: { id: row.requesterId }, select: { locale: true } }))?.locale);
}

/** Stores and announces the outcome message of `row`, if it needed a decision. Never throws. */
export async function postOutcome(prisma: PrismaClient, events: DomainEvents | undefined, logger: Logger, row: Execution, decision: Decision = {}): Promise<void> {
  if (!row.conversationId || row.riskLevel === 'read' || !OUTCOMES.has(row.status)) return;
  if (row.status !== 'expired' && !row.decidedAt) return;
  try {
    const deciderName = decision.deciderName ?? (row.approverId ? (await prisma.user.findUnique({ where: { id: row.approverId }, select: { name: true } }))?.name : undefined);
    const card = executionCardOf(executionView(row) as unknown as Record<string, unknown>, { ...(deciderName ? { deciderName } : {}), ...(decision.reason ? { reason: decision.reason } : {}) });
    const conversation = await prisma.conversation.findUnique({ where: { id: row.conversationId }, select: { ownerId: true } });
    if (!conversation) return;
    const created = await prisma.message.create({
      data: {
        conversationId: row.conversationId,
        authorId: null,
        role: 'assistant',
        content: outcomeSentence(card, createTranslator(await requesterLocale(prisma, row))),
        channel: row.channel,
        clientMessageId: `outcome:${row.id}`,
        actionsTaken: [{ executionId: row.id, tool: row.tool, status: row.status }],
        metadata: { outcomeOf: row.id, traceId: row.traceId, executions: [card] } as object,
      },
    });
    await prisma.conversation.update({ where: { id: row.conversationId }, data: { updatedAt: new Date() } });
    events?.emit('message.created', { message: messageView(created), ownerId: conversation.ownerId });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return; // already posted (another node, a retry)
    logger.warn({ err: error, executionId: row.id }, 'could not post the outcome of an execution to its conversation');
  }
}

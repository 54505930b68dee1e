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
import { createTranslator, DEFAULT_LOCALE, type Locale, type Translator } from '../../contracts/i18n.js';
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

/** The sentence of an outcome message, in `i18n`'s language (the execution's locale). */
export function outcomeSentence(card: ReturnType<typeof executionCardOf>, i18n: Translator = createTranslator(DEFAULT_LOCALE)): string {
  if (card.status === 'denied' || card.status === 'expired') return outcomeText(card, i18n);
  const approved = card.deciderName ? `${i18n.t('view.execution.approvedBy', { name: card.deciderName })} ` : '';
  if (card.status === 'succeeded')
    return `${approved}${card.view ? i18n.t('view.execution.outcomeSucceeded', { tool: card.tool, headline: card.view.headline }) : i18n.t('view.execution.outcomeSucceededPlain', { tool: card.tool })}`;
  return `${approved}${outcomeText(card, i18n)}`;
}

/** Stores and announces the outcome message of `row`, if it needed a decision. Never throws. */
export async function postOutcome(
  prisma: PrismaClient,
  events: DomainEvents | undefined,
  logger: Logger,
  row: Execution,
  decision: Decision = {},
  defaultLocale: Locale = DEFAULT_LOCALE,
): Promise<void> {
  if (!row.conversationId || row.riskLevel === 'read' || !OUTCOMES.has(row.status)) return;
  if (row.status !== 'expired' && !row.decidedAt) return;
  try {
    const deciderName =
      decision.deciderName ??
      (row.approverId ? (await prisma.user.findUnique({ where: { id: row.approverId }, select: { name: true } }))?.name : undefined);
    const card = executionCardOf(executionView(row) as unknown as Record<string, unknown>, {
      ...(deciderName ? { deciderName } : {}),
      ...(decision.reason ? { reason: decision.reason } : {}),
    });
    const conversation = await prisma.conversation.findUnique({ where: { id: row.conversationId }, select: { ownerId: true } });
    if (!conversation) return;
    const created = await prisma.message.create({
      data: {
        conversationId: row.conversationId,
        authorId: null,
        role: 'assistant',
        content: outcomeSentence(card, createTranslator(row.locale, defaultLocale)),
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

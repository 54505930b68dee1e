/**
 * One tool execution as every channel shows it: a card with the tool, its state, who asked,
 * what approving will do (the preview view) and who may approve, then the outcome (the
 * result view, or who denied it and why, or its expiry). Assistant messages store these
 * cards in `metadata.executions`, so a conversation shows the same card after a reload and
 * the answer text never repeats the result. Shared by the server and the browser console.
 */
import { reasonOf, reasonText, type ErrorReason } from './error-reason.js';
import { createTranslator, DEFAULT_LOCALE, type Translator } from './i18n.js';
import { clip, parseResultView, viewOfResult, type ResultView } from './result-view.js';
import { detailsOf, validationSummary, type ValidationDetail } from './validation-text.js';

/** A card as stored in message metadata and sent to clients. */
export interface ExecutionCard {
  id: string;
  tool: string;
  status: string;
  riskLevel: string;
  requesterName: string;
  /** Who approved or denied it (outcome messages). */
  deciderName?: string | undefined;
  /** Why it was denied, when the decider said. */
  reason?: string | undefined;
  expiresAt?: string | null | undefined;
  /** What approving will do. */
  preview?: ResultView | null | undefined;
  /** The result, readable. */
  view?: ResultView | null | undefined;
  /** The error message of a failed run. */
  error?: string | undefined;
  /** Why the arguments were refused (codes and plain params), written in each reader's language. */
  details?: ValidationDetail[] | undefined;
  /** Why the tool refused (its error's reason code and params, error-reason.ts), written in each reader's language. */
  errorReason?: ErrorReason | undefined;
}

/** States an execution card shows as waiting for a decision. */
export const PENDING_STATUS = 'pending_approval';

const text = (value: unknown, max: number) => (typeof value === 'string' ? clip(value, max) : '');

/** The card of an execution (the pipeline's view or a socket payload), bounded. */
export function executionCardOf(execution: Record<string, unknown>, extra: { deciderName?: string; reason?: string } = {}): ExecutionCard {
  const result = execution.result as { error?: { message?: unknown; details?: unknown } } | null | undefined;
  const error = text(result?.error?.message, 500);
  const details = detailsOf(result?.error?.details).slice(0, 20);
  const errorReason = reasonOf(result?.error);
  return {
    id: text(execution.id, 64),
    tool: text(execution.tool, 120),
    status: text(execution.status, 30),
    riskLevel: text(execution.riskLevel, 20) || 'read',
    requesterName: text(execution.requesterName, 200) || 'unknown',
    ...(extra.deciderName ? { deciderName: clip(extra.deciderName, 200) } : {}),
    ...(extra.reason ? { reason: clip(extra.reason, 500) } : {}),
    ...(typeof execution.expiresAt === 'string' ? { expiresAt: execution.expiresAt } : {}),
    preview: parseResultView(execution.preview),
    view: viewOfResult(execution.result),
    ...(error ? { error } : {}),
    ...(details.length ? { details } : {}),
    ...(errorReason ? { errorReason } : {}),
  };
}

/** The reason and params of a stored card's `errorReason` (checked again by executionCardOf). */
function reasonFields(value: unknown): { reason?: unknown; params?: unknown } {
  if (!value || typeof value !== 'object') return {};
  const { reason, params } = value as { reason?: unknown; params?: unknown };
  return { reason, params };
}

/** The cards stored in a message's metadata (checked: metadata is untrusted JSON). */
export function cardsOfMessage(metadata: unknown): ExecutionCard[] {
  const list = (metadata as { executions?: unknown } | null | undefined)?.executions;
  if (!Array.isArray(list)) return [];
  return list.slice(0, 10).flatMap((item) => {
    if (!item || typeof item !== 'object' || typeof (item as { id?: unknown }).id !== 'string') return [];
    const raw = item as Record<string, unknown>;
    return [
      {
        ...executionCardOf({
          ...raw,
          result:
            raw.view || raw.details || raw.errorReason
              ? { view: raw.view, error: { details: raw.details, ...reasonFields(raw.errorReason) } }
              : null,
        }),
        ...(typeof raw.deciderName === 'string' ? { deciderName: clip(raw.deciderName, 200) } : {}),
        ...(typeof raw.reason === 'string' ? { reason: clip(raw.reason, 500) } : {}),
        ...(typeof raw.error === 'string' ? { error: clip(raw.error, 500) } : {}),
      },
    ];
  });
}

/** Who may decide: operators and admins; for a disruptive tool, someone other than the requester (in `i18n`'s language, English by default). */
export function approversText(card: Pick<ExecutionCard, 'riskLevel' | 'requesterName'>, i18n: Translator = createTranslator('en')): string {
  return card.riskLevel === 'disruptive' ? i18n.t('approval.canApproveOther', { name: card.requesterName }) : i18n.t('approval.canApprove');
}

/** A status word in the reader's language (`status.*`), or the status as stored when the catalog has none. */
export function statusWord(status: string, i18n: Translator): string {
  const key = `status.${status}`;
  const word = /^[a-z_]{1,30}$/.test(status) ? i18n.t(key) : key;
  return word === key ? status.replace('_', ' ') : word;
}

/** The one-line outcome of a card (status words people read), in `i18n`'s language (English by default). */
export function outcomeText(card: ExecutionCard, i18n: Translator = createTranslator(DEFAULT_LOCALE)): string {
  const tool = card.tool;
  switch (card.status) {
    case PENDING_STATUS:
      return i18n.t('view.execution.waitingShort', { tool });
    case 'denied': {
      const denied = card.deciderName
        ? i18n.t('view.execution.deniedBy', { tool, name: card.deciderName })
        : i18n.t('view.execution.denied', { tool });
      return card.reason ? i18n.t('view.execution.deniedReason', { text: denied, reason: card.reason }) : denied;
    }
    case 'expired':
      return i18n.t('view.execution.expired', { tool });
    case 'succeeded':
      return card.view?.headline ?? i18n.t('view.execution.succeededShort', { tool });
    case 'queued':
    case 'running':
      return i18n.t('view.execution.inProgress', { tool, status: statusWord(card.status, i18n) });
    default:
      if (card.details?.length)
        return i18n.t('view.execution.endedShortWith', {
          tool,
          status: statusWord(card.status, i18n),
          message: validationSummary(card.details, i18n, 3),
        });
      // A tool's refusal reason in the reader's language, else the English message.
      if (card.errorReason || card.error)
        return i18n.t('view.execution.endedShortWith', {
          tool,
          status: statusWord(card.status, i18n),
          message: card.errorReason ? reasonText(card.errorReason, i18n) : card.error,
        });
      return i18n.t('view.execution.endedShort', { tool, status: statusWord(card.status, i18n) });
  }
}

/**
 * One tool execution as a console card: the tool and its state, what approving will do
 * (the preview view) and who may approve, Approve / Deny (with an optional reason) while it
 * waits, then the outcome: the result view, or who denied it and why, or its expiry. The raw
 * arguments and result sit in a closed "details" disclosure. Built with textContent only.
 */
import { approversText, outcomeText, PENDING_STATUS, statusWord, type ExecutionCard } from '../contracts/execution-card.js';
import { createTranslator, type Translator } from '../contracts/i18n.js';
import { element } from './dom.js';
import { rawDetails, renderView } from './result-view-render.js';

/** Decides on an execution (wired to the socket by main); resolves to an error message or null. */
export type ExecutionDecider = (executionId: string, decision: 'approve' | 'deny', reason?: string) => Promise<string | null>;

/** The console strings of the card, from the shared catalog in `i18n`'s language. */
export function cardStrings(i18n: Translator) {
  return {
    requestedBy: (name: string) => i18n.t('console.requestedBy', { name }),
    willRun: i18n.t('console.willRun'),
    approve: i18n.t('approval.approve'),
    deny: i18n.t('approval.deny'),
    reason: i18n.t('console.denyReason'),
    approvedBy: (name: string) => i18n.t('console.approvedBy', { name }),
  };
}

/** What a card needs besides the execution. */
export interface CardOptions {
  canDecide: boolean;
  decide: ExecutionDecider;
  /** The raw execution (live events) or a loader for it (cards stored in messages). */
  raw?: unknown;
  loadRaw?: () => Promise<unknown>;
  /** `li` in lists, `div` inside a message. */
  tag?: 'li' | 'div';
  /** A line naming the conversation (the pending-approvals panel). */
  context?: string;
  /** The console's translator (the browser's language); English when absent. */
  i18n?: Translator;
}

function decisionButtons(card: ExecutionCard, decide: ExecutionDecider, strings: ReturnType<typeof cardStrings>): HTMLElement[] {
  const status = element('p', { className: 'error', attributes: { role: 'alert' } });
  const reason = element('input', {
    className: 'deny-reason',
    attributes: { type: 'text', maxlength: '500', placeholder: strings.reason, 'aria-label': `${strings.reason}: ${card.tool}` },
  });
  const buttons = (['approve', 'deny'] as const).map((decision) => {
    const label = decision === 'approve' ? strings.approve : strings.deny;
    const button = element('button', {
      text: label,
      className: decision === 'deny' ? 'secondary' : '',
      attributes: { type: 'button', 'data-decision': decision, 'aria-label': `${label} ${card.tool} ${card.id}` },
    });
    button.addEventListener('click', async () => {
      for (const other of buttons) other.disabled = true;
      const error = await decide(card.id, decision, decision === 'deny' ? reason.value.trim() || undefined : undefined);
      status.textContent = error ?? '';
      if (error) for (const other of buttons) other.disabled = false;
    });
    return button;
  });
  return [element('div', { className: 'actions' }, [...buttons, reason]), status];
}

/** The card element of one execution. */
export function executionCardElement(card: ExecutionCard, options: CardOptions): HTMLElement {
  const i18n = options.i18n ?? createTranslator('en');
  const strings = cardStrings(i18n);
  const node = element(options.tag ?? 'li', {
    className: `tool-card status-${card.status.replace(/[^a-z_]/g, '')}`,
    attributes: { 'data-execution-id': card.id, 'data-status': card.status },
  });
  const risk = card.riskLevel !== 'read' ? ` · ${card.riskLevel}` : '';
  node.append(
    element('div', {
      className: 'meta',
      text: `${card.tool} · ${statusWord(card.status, i18n)}${risk} · ${strings.requestedBy(card.requesterName)}`,
    }),
  );
  if (options.context) node.append(element('div', { className: 'meta card-context', text: options.context }));
  const pending = card.status === PENDING_STATUS;
  if (pending) {
    node.append(element('div', { className: 'view-block-title', text: strings.willRun }));
    if (card.preview) node.append(renderView(card.preview, i18n));
    node.append(element('p', { className: 'approvers', text: approversText(card, i18n) }));
    if (options.canDecide) node.append(...decisionButtons(card, options.decide, strings));
  } else if (card.view) {
    node.append(renderView(card.view, i18n));
  } else {
    node.append(element('p', { className: 'outcome', text: outcomeText(card, i18n) }));
  }
  if (!pending && card.deciderName && card.status !== 'denied')
    node.append(element('p', { className: 'decided', text: strings.approvedBy(card.deciderName) }));
  if (card.status === 'denied' || card.status === 'expired') {
    if (card.view) node.append(element('p', { className: 'outcome', text: outcomeText(card, i18n) }));
  }
  if (options.raw !== undefined || options.loadRaw) node.append(rawDetails(options.raw ?? null, options.loadRaw, i18n));
  return node;
}

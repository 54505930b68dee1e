/**
 * One tool execution as a console card: the tool and its state, what approving will do
 * (the preview view) and who may approve, Approve / Deny (with an optional reason) while it
 * waits, then the outcome: the result view, or who denied it and why, or its expiry. The raw
 * arguments and result sit in a closed "details" disclosure. Built with textContent only.
 */
import { approversText, outcomeText, PENDING_STATUS, type ExecutionCard } from '../contracts/execution-card.js';
import { element } from './dom.js';
import { rawDetails, renderView } from './result-view-render.js';

/** Decides on an execution (wired to the socket by main); resolves to an error message or null. */
export type ExecutionDecider = (executionId: string, decision: 'approve' | 'deny', reason?: string) => Promise<string | null>;

/** Console strings of the card, in one place (moved to the i18n catalog when it lands). */
export const CARD_STRINGS = {
  requestedBy: (name: string) => `requested by ${name}`,
  willRun: 'What approving will do',
  approve: 'Approve',
  deny: 'Deny',
  reason: 'Reason (optional)',
  decidedBy: (decision: string, name: string) => `${decision} by ${name}`,
};

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
}

function decisionButtons(card: ExecutionCard, decide: ExecutionDecider): HTMLElement[] {
  const status = element('p', { className: 'error', attributes: { role: 'alert' } });
  const reason = element('input', { className: 'deny-reason', attributes: { type: 'text', maxlength: '500', placeholder: CARD_STRINGS.reason, 'aria-label': `${CARD_STRINGS.reason}: ${card.tool}` } });
  const buttons = (['approve', 'deny'] as const).map((decision) => {
    const label = decision === 'approve' ? CARD_STRINGS.approve : CARD_STRINGS.deny;
    const button = element('button', { text: label, className: decision === 'deny' ? 'secondary' : '', attributes: { type: 'button', 'data-decision': decision, 'aria-label': `${label} ${card.tool} ${card.id}` } });
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
  const node = element(options.tag ?? 'li', { className: `tool-card status-${card.status.replace(/[^a-z_]/g, '')}`, attributes: { 'data-execution-id': card.id, 'data-status': card.status } });
  const risk = card.riskLevel !== 'read' ? ` · ${card.riskLevel}` : '';
  node.append(element('div', { className: 'meta', text: `${card.tool} · ${card.status.replace('_', ' ')}${risk} · ${CARD_STRINGS.requestedBy(card.requesterName)}` }));
  if (options.context) node.append(element('div', { className: 'meta card-context', text: options.context }));
  const pending = card.status === PENDING_STATUS;
  if (pending) {
    node.append(element('div', { className: 'view-block-title', text: CARD_STRINGS.willRun }));
    if (card.preview) node.append(renderView(card.preview));
    node.append(element('p', { className: 'approvers', text: approversText(card) }));
    if (options.canDecide) node.append(...decisionButtons(card, options.decide));
  } else if (card.view) {
    node.append(renderView(card.view));
  } else {
    node.append(element('p', { className: 'outcome', text: outcomeText(card) }));
  }
  if (!pending && card.deciderName && card.status !== 'denied') node.append(element('p', { className: 'decided', text: CARD_STRINGS.decidedBy('approved', card.deciderName) }));
  if (card.status === 'denied' || card.status === 'expired') {
    if (card.view) node.append(element('p', { className: 'outcome', text: outcomeText(card) }));
  }
  if (options.raw !== undefined || options.loadRaw) node.append(rawDetails(options.raw ?? null, options.loadRaw));
  return node;
}

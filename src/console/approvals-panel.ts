/**
 * The right panel for operators: every execution waiting for approval, across all
 * conversations, with the count in its heading (loaded at sign-in, then kept current from
 * `agent:tool` events), and below it the recent executions that belong to no open
 * conversation. Each entry is a full card: what will run, who may approve, Approve / Deny.
 */
import type { ExecutionView } from '../contracts/event-maps.js';
import { createTranslator, type Translator } from '../contracts/i18n.js';
import { toolCard, type ExecutionDecider } from './chat-view.js';
import { byId, element } from './dom.js';

/** The console strings of the panel, from the shared catalog in `i18n`'s language. */
export function panelStrings(i18n: Translator) {
  return {
    pending: (count: number) => i18n.t('console.pendingCount', { count }),
    none: i18n.t('console.nothingPending'),
    recent: i18n.t('console.recentExecutions'),
    inConversation: (title: string) => i18n.t('console.inConversation', { title }),
  };
}

const MAX_RECENT = 30;

/** Keeps the pending-approvals list and the recent list of the side panel. */
export class ApprovalsPanel {
  private readonly pendingList = byId<HTMLOListElement>('pending-approvals');
  private readonly recentList = byId<HTMLOListElement>('global-tools');
  private readonly title = byId('pending-title');
  private readonly empty: HTMLElement;
  private readonly strings: ReturnType<typeof panelStrings>;

  constructor(
    private readonly canDecide: () => boolean,
    private readonly decide: ExecutionDecider,
    private readonly conversationTitle: (conversationId: string | null | undefined) => string | undefined,
    private readonly i18n: Translator = createTranslator('en'),
  ) {
    this.strings = panelStrings(i18n);
    this.empty = element('li', { className: 'view-note', text: this.strings.none });
    this.refreshCount();
  }

  /** Replaces the pending list (at sign-in and after a reconnect). */
  load(executions: ExecutionView[]): void {
    this.pendingList.replaceChildren();
    for (const execution of executions) if (execution.status === 'pending_approval') this.pendingList.append(this.card(execution));
    this.refreshCount();
  }

  /** Applies one `agent:tool` event: pending ones join the list, decided ones leave it. */
  update(execution: ExecutionView, shownInChat: boolean): void {
    this.pendingList.querySelector(`[data-execution-id="${CSS.escape(execution.id)}"]`)?.remove();
    if (execution.status === 'pending_approval') this.pendingList.prepend(this.card(execution));
    else if (!shownInChat) {
      this.recentList.querySelector(`[data-execution-id="${CSS.escape(execution.id)}"]`)?.remove();
      this.recentList.prepend(this.card(execution));
      while (this.recentList.children.length > MAX_RECENT) this.recentList.lastElementChild?.remove();
    }
    this.refreshCount();
  }

  /** How many executions wait (the heading's count). */
  get pendingCount(): number {
    return this.pendingList.querySelectorAll('[data-execution-id]').length;
  }

  private card(execution: ExecutionView): HTMLElement {
    const title = this.conversationTitle(execution.conversationId ?? null);
    return toolCard(execution, this.canDecide(), this.decide, 'li', title ? this.strings.inConversation(title) : undefined, this.i18n);
  }

  private refreshCount(): void {
    const count = this.pendingCount;
    this.title.textContent = this.strings.pending(count);
    if (count === 0 && !this.empty.isConnected) this.pendingList.append(this.empty);
    if (count > 0) this.empty.remove();
  }
}

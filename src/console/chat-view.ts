/**
 * The message pane: stored messages (deduplicated by id, so a socket echo, an ack and a
 * catch-up never show one message twice), pending sends, streamed assistant tokens and
 * tool-execution cards (service search results as service cards).
 */
import type { MessageView } from '../actions/conversation-views.js';
import { cardsOfMessage, executionCardOf } from '../contracts/execution-card.js';
import type { ExecutionView } from '../contracts/event-maps.js';
import { createTranslator, type Translator } from '../contracts/i18n.js';
import { byId, element, shortTime } from './dom.js';
import { executionCardElement, type ExecutionDecider } from './execution-card-view.js';

export type { ExecutionDecider } from './execution-card-view.js';

/** Loads an execution's raw JSON for the "details" disclosure of cards stored in messages. */
export type RawLoader = (executionId: string) => Promise<unknown>;

/** Renders one live tool-execution card; Approve/Deny only while it waits and for operators. */
export function toolCard(
  execution: ExecutionView,
  canDecide: boolean,
  decide: ExecutionDecider,
  tag: 'li' | 'div' = 'li',
  context?: string,
  i18n?: Translator,
): HTMLElement {
  const card = executionCardOf(execution);
  return executionCardElement(card, {
    canDecide,
    decide,
    tag,
    raw: { arguments: execution.arguments ?? {}, result: execution.result ?? null },
    ...(context ? { context } : {}),
    ...(i18n ? { i18n } : {}),
  });
}

/** What the chat pane needs to show Acknowledge / Resolve on incident summaries. */
export interface IncidentActor {
  canAct(): boolean;
  /** Resolves to an error message, or null on success. */
  act(incidentId: string, action: 'acknowledge' | 'resolve'): Promise<string | null>;
}

/** The incident a message summarises (metadata written by src/incidents), if any. */
export function incidentOf(message: MessageView): { id: string; status: string } | undefined {
  const metadata = message.metadata as { incidentId?: unknown; status?: unknown } | null | undefined;
  if (!metadata || typeof metadata !== 'object' || typeof metadata.incidentId !== 'string' || typeof metadata.status !== 'string')
    return undefined;
  return { id: metadata.incidentId, status: metadata.status };
}

/** Acknowledge (while firing) and Resolve (until resolved) buttons for an incident summary. */
export function incidentButtons(incident: { id: string; status: string }, actor: IncidentActor): HTMLElement[] {
  if (incident.status === 'resolved' || !actor.canAct()) return [];
  const status = element('p', { className: 'error', attributes: { role: 'alert' } });
  const actions = (incident.status === 'firing' ? (['acknowledge', 'resolve'] as const) : (['resolve'] as const)).map((action) => {
    const button = element('button', {
      text: action === 'acknowledge' ? 'Acknowledge' : 'Resolve',
      className: action === 'acknowledge' ? 'secondary' : '',
      attributes: {
        type: 'button',
        'data-incident-action': action,
        'aria-label': `${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} incident ${incident.id}`,
      },
    });
    return button;
  });
  for (const button of actions) {
    button.addEventListener('click', async () => {
      for (const other of actions) other.disabled = true;
      const error = await actor.act(incident.id, button.getAttribute('data-incident-action') as 'acknowledge' | 'resolve');
      status.textContent = error ?? '';
      if (error) for (const other of actions) other.disabled = false;
    });
  }
  return [element('div', { className: 'actions incident-actions' }, actions), status];
}

/** The chat pane for one conversation at a time. */
export class ChatView {
  private readonly list = byId<HTMLOListElement>('message-list');
  private readonly messages = new Map<string, MessageView>();
  private readonly streams = new Map<string, string>();
  /** Shown when something arrives while the reader has scrolled up; a click jumps down. */
  private readonly marker: HTMLButtonElement;
  /** Whether the list follows new content (true unless the reader scrolled up). */
  private following = true;
  /** Where the list stood at the last scroll (ours or the reader's). */
  private lastTop = 0;
  /** Content that grows after it is shown (a chart drawn, a disclosure opened) keeps the end in view while following. */
  private readonly resizes: ResizeObserver | undefined;

  constructor(
    private readonly describeAuthor: (message: MessageView) => string,
    private readonly incidents?: IncidentActor,
    private readonly cards?: { canDecide(): boolean; decide: ExecutionDecider; loadRaw: RawLoader },
    private readonly i18n: Translator = createTranslator('en'),
  ) {
    this.marker = element('button', {
      className: 'new-messages',
      text: i18n.t('console.newMessagesButton'),
      attributes: { type: 'button', id: 'new-messages' },
    });
    this.marker.hidden = true;
    this.list.after(this.marker);
    this.resizes = typeof ResizeObserver === 'function' ? new ResizeObserver(() => this.following && this.scroll()) : undefined;
    this.marker.addEventListener('click', () => this.scroll(true));
    // Only the reader scrolling up stops following: content growing below (a chart drawn after
    // the scroll) leaves scrollTop where it was and must not count as "scrolled up".
    this.list.addEventListener('scroll', () => {
      const top = this.list.scrollTop;
      if (this.list.scrollHeight - top - this.list.clientHeight < 48) this.following = true;
      else if (top < this.lastTop) this.following = false;
      this.lastTop = top;
      if (this.following) this.marker.hidden = true;
    });
  }

  /** Clears the pane for another conversation. */
  reset(messages: MessageView[]): void {
    this.resizes?.disconnect();
    this.list.replaceChildren();
    this.messages.clear();
    this.streams.clear();
    for (const message of messages) this.upsert(message);
    this.scroll(true);
  }

  /** The newest stored message time, for catch-up after a reconnect. */
  latestCreatedAt(): string | undefined {
    let latest: string | undefined;
    for (const message of this.messages.values()) if (!latest || message.createdAt > latest) latest = message.createdAt;
    return latest;
  }

  /** The newest seq shown (0 when empty): where catch-up by seq starts. */
  latestSeq(): number {
    let latest = 0;
    for (const message of this.messages.values()) if (typeof message.seq === 'number' && message.seq > latest) latest = message.seq;
    return latest;
  }

  /** Adds or replaces a stored message (by id, or replacing its pending placeholder). */
  upsert(message: MessageView): void {
    this.messages.set(message.id, message);
    this.streams.delete(message.id);
    const node = this.render(message);
    const existing =
      this.list.querySelector(`[data-message-id="${CSS.escape(message.id)}"]`) ??
      (message.clientMessageId ? this.list.querySelector(`[data-client-message-id="${CSS.escape(message.clientMessageId)}"]`) : null);
    if (existing) existing.replaceWith(node);
    else this.list.append(node);
    this.resizes?.observe(node);
    // One card per execution: the newest message carrying it keeps it; live and older copies go.
    for (const card of Array.from(node.querySelectorAll('[data-execution-id]'))) {
      const id = card.getAttribute('data-execution-id') ?? '';
      for (const other of Array.from(this.list.querySelectorAll(`[data-execution-id="${CSS.escape(id)}"]`)))
        if (!node.contains(other)) other.remove();
    }
    this.scroll();
  }

  /** Shows a message that is being sent. */
  pending(clientMessageId: string, content: string): void {
    const node = element('li', { className: 'message role-user pending', attributes: { 'data-client-message-id': clientMessageId } }, [
      element('div', { className: 'meta', text: this.i18n.t('console.sending') }),
      element('div', { className: 'content', text: content }),
    ]);
    this.list.append(node);
    this.scroll(true);
  }

  /** Marks a pending send as failed with the server's reason. */
  failed(clientMessageId: string, reason: string): void {
    const node = this.list.querySelector(`[data-client-message-id="${CSS.escape(clientMessageId)}"]`);
    if (!node || node.hasAttribute('data-message-id')) return;
    node.classList.remove('pending');
    node.classList.add('failed');
    const meta = node.querySelector('.meta');
    if (meta) meta.textContent = this.i18n.t('console.notSent', { reason });
  }

  /** Appends a streamed token to the assistant message being written. */
  token(messageId: string, delta: string): void {
    if (this.messages.has(messageId)) return;
    const text = (this.streams.get(messageId) ?? '') + delta;
    this.streams.set(messageId, text);
    let node = this.list.querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!node) {
      node = element('li', { className: 'message role-assistant streaming', attributes: { 'data-message-id': messageId } }, [
        element('div', { className: 'meta', text: this.i18n.t('console.writing') }),
        element('div', { className: 'content' }),
      ]);
      this.list.append(node);
    }
    const content = node.querySelector('.content');
    if (content) content.textContent = text;
    this.scroll();
  }

  /** Adds or updates a live tool card (in place when a message already shows it). */
  tool(execution: ExecutionView, build: (tag: 'li' | 'div') => HTMLElement): void {
    const existing = this.list.querySelector(`[data-execution-id="${CSS.escape(execution.id)}"]`);
    const node = build(existing?.tagName === 'DIV' ? 'div' : 'li');
    if (existing) existing.replaceWith(node);
    else this.list.append(node);
    this.resizes?.observe(node);
    this.scroll();
  }

  private render(message: MessageView): HTMLLIElement {
    const attributes: Record<string, string> = { 'data-message-id': message.id };
    if (message.clientMessageId) attributes['data-client-message-id'] = message.clientMessageId;
    const incident = incidentOf(message);
    return element('li', { className: `message role-${message.role}`, attributes }, [
      element('div', { className: 'meta', text: `${this.describeAuthor(message)} · ${shortTime(message.createdAt)} · ${message.channel}` }),
      element('div', { className: 'content', text: message.content }),
      ...cardsOfMessage(message.metadata).map((card) =>
        executionCardElement(card, {
          canDecide: this.cards?.canDecide() ?? false,
          decide: this.cards?.decide ?? (async () => 'not connected'),
          tag: 'div',
          i18n: this.i18n,
          ...(this.cards ? { loadRaw: () => this.cards!.loadRaw(card.id) } : {}),
        }),
      ),
      ...(incident && this.incidents ? incidentButtons(incident, this.incidents) : []),
    ]);
  }

  /** Keeps the newest message in view while following; otherwise shows the marker. */
  private scroll(force = false): void {
    if (force || this.following) {
      this.following = true;
      this.marker.hidden = true;
      this.list.scrollTop = this.list.scrollHeight;
      this.lastTop = this.list.scrollTop;
    } else this.marker.hidden = false;
  }
}

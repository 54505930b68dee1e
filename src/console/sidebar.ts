/**
 * The conversation list: search (debounced), select with the keyboard or a click, and
 * create; the current conversation is marked with aria-current.
 */
import type { ConversationView } from '../actions/conversation-views.js';
import type { ApiClient } from './api.js';
import { byId, element } from './dom.js';

/** The sidebar, calling `onSelect` when the user opens a conversation. */
export class Sidebar {
  private readonly list = byId<HTMLUListElement>('conversation-list');
  private readonly search = byId<HTMLInputElement>('search-input');
  private currentId: string | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private loaded: ConversationView[] = [];

  constructor(
    private readonly api: ApiClient,
    private readonly onSelect: (conversation: ConversationView) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => void this.refresh(), 250);
    });
    byId<HTMLFormElement>('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.refresh();
    });
    const title = byId<HTMLInputElement>('create-title');
    byId<HTMLFormElement>('create-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const value = title.value.trim();
      if (!value) return;
      try {
        const created = await this.api.createConversation(value);
        title.value = '';
        this.search.value = '';
        await this.refresh();
        this.select(created);
      } catch (error) {
        this.onError((error as Error).message);
      }
    });
  }

  /** Reloads the list for the current search. */
  async refresh(): Promise<void> {
    try {
      const { data } = await this.api.conversations(this.search.value.trim());
      this.loaded = data;
      this.list.replaceChildren(...data.map((conversation) => this.item(conversation)));
      if (data.length === 0) this.list.append(element('li', { className: 'hint', text: 'No conversations' }));
    } catch (error) {
      this.onError((error as Error).message);
    }
  }

  /** The conversations of the last listing (titles for the approvals panel). */
  known(): ConversationView[] {
    return this.loaded;
  }

  /** Opens a conversation and marks it current. */
  select(conversation: ConversationView): void {
    this.currentId = conversation.id;
    this.list.querySelectorAll('button').forEach((button) => {
      button.setAttribute('aria-current', String(button.dataset.conversationId === conversation.id));
    });
    this.onSelect(conversation);
  }

  private item(conversation: ConversationView): HTMLLIElement {
    const button = element('button', {
      text: conversation.title,
      attributes: { type: 'button', 'data-conversation-id': conversation.id, 'aria-current': String(conversation.id === this.currentId) },
    });
    button.addEventListener('click', () => this.select(conversation));
    return element('li', {}, [button]);
  }
}

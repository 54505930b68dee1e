/**
 * The REST calls the console makes, with the bearer token; errors carry the server's
 * `{error:{code,message}}` message so the UI can show it.
 */
import type { ConversationView, MessageView } from '../actions/conversation-views.js';
import type { ExecutionView } from '../contracts/event-maps.js';

/** Who the token belongs to. */
export interface Me {
  userId: string;
  userName: string;
  role: 'viewer' | 'operator' | 'admin';
}

/** A failed API call. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A REST client bound to a token. */
export class ApiClient {
  constructor(private readonly token: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    const payload = response.status === 204 ? undefined : await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = (payload as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`);
    }
    return payload as T;
  }

  me(): Promise<Me> {
    return this.call('GET', '/api/me');
  }

  conversations(query: string): Promise<{ data: ConversationView[] }> {
    const search = new URLSearchParams({ limit: '50' });
    if (query) search.set('q', query);
    return this.call('GET', `/api/conversations?${search.toString()}`);
  }

  createConversation(title: string): Promise<ConversationView> {
    return this.call('POST', '/api/conversations', { title, originChannel: 'console' });
  }

  /** Acknowledges or resolves an incident (operator); the server edits its thread message. */
  incidentAction(incidentId: string, action: 'acknowledge' | 'resolve'): Promise<unknown> {
    return this.call('POST', `/api/incidents/${encodeURIComponent(incidentId)}/${action}`, { channel: 'console' });
  }

  /** Executions visible to the caller (operators: all), newest first. */
  executions(status?: string, limit = 100): Promise<{ data: ExecutionView[] }> {
    const search = new URLSearchParams({ limit: String(limit) });
    if (status) search.set('status', status);
    return this.call('GET', `/api/executions?${search.toString()}`);
  }

  /** One execution with its arguments and result (the card's "details"; also opened from a `?execution=<id>` link, e.g. an MCP approval request). */
  execution(id: string): Promise<ExecutionView> {
    return this.call('GET', `/api/executions/${encodeURIComponent(id)}`);
  }

  /** The conversation's messages, oldest first (at most `maxPages` pages of 100). */
  async messages(conversationId: string, maxPages = 5): Promise<MessageView[]> {
    const all: MessageView[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < maxPages; page += 1) {
      const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const result: { data: MessageView[]; nextCursor: string | null } = await this.call(
        'GET',
        `/api/conversations/${encodeURIComponent(conversationId)}/messages?limit=100${suffix}`,
      );
      all.push(...result.data);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return all;
  }
}

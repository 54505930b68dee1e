/**
 * A fetch for OpenAI-compatible endpoints that answer a streaming request with one plain JSON
 * completion (some proxies and small servers ignore `stream: true`). The client would read
 * no events and the turn would fail; instead the JSON completion is re-emitted as the
 * equivalent server-sent event stream, so streaming stays on for endpoints that do stream.
 */

type ChatCompletion = {
  id?: string;
  created?: number;
  model?: string;
  choices?: Array<{
    index?: number;
    finish_reason?: string | null;
    message?: {
      role?: string;
      content?: string | null;
      tool_calls?: Array<{ id?: string; type?: string; function?: { name?: string; arguments?: string } }>;
    };
  }>;
  usage?: unknown;
};

/** The chunk events equivalent to one chat completion, then `[DONE]`. */
export function completionAsEvents(completion: ChatCompletion): string {
  const base = {
    id: completion.id ?? 'chatcmpl-fallback',
    object: 'chat.completion.chunk',
    created: completion.created ?? Math.floor(Date.now() / 1000),
    model: completion.model ?? 'unknown',
  };
  const events: unknown[] = [];
  for (const choice of completion.choices ?? []) {
    const message = choice.message ?? {};
    const toolCalls = (message.tool_calls ?? []).map((call, index) => ({
      index,
      id: call.id,
      type: call.type ?? 'function',
      function: { name: call.function?.name, arguments: call.function?.arguments ?? '' },
    }));
    events.push({
      ...base,
      choices: [
        {
          index: choice.index ?? 0,
          delta: {
            role: message.role ?? 'assistant',
            content: message.content ?? '',
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: null,
        },
      ],
    });
    events.push({ ...base, choices: [{ index: choice.index ?? 0, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }] });
  }
  if (completion.usage) events.push({ ...base, choices: [], usage: completion.usage });
  return `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')}data: [DONE]\n\n`;
}

function requestedStream(init: RequestInit | undefined): boolean {
  if (typeof init?.body !== 'string') return false;
  return /"stream"\s*:\s*true/.test(init.body);
}

/** Wraps a fetch so a JSON answer to a streaming request becomes an event stream. `onFallback` is told once per such answer. */
export function sseFallbackFetch(inner: typeof fetch = fetch, onFallback?: () => void): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !requestedStream(init) || !type.includes('application/json')) return response;
    const completion = (await response.json()) as ChatCompletion;
    onFallback?.();
    const headers = new Headers(response.headers);
    headers.set('content-type', 'text/event-stream');
    headers.delete('content-length');
    return new Response(completionAsEvents(completion), { status: response.status, statusText: response.statusText, headers });
  };
}

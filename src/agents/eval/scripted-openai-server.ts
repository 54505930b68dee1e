/**
 * A scripted OpenAI-compatible chat server over real HTTP, for end-to-end tests, the agent
 * eval and the agent benchmark: deterministic (a policy function decides each answer from
 * the request), streaming (server-sent chunks, tool-call arguments split across chunks) or
 * not, or "JSON only" (a plain completion even when a stream was asked for). It records
 * every request and the time it spent on each, so callers can subtract the server's share.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message of a chat request. */
export interface ChatRequestMessage {
  role: string;
  content?: string | null | Array<{ type: string; text?: string }>;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** The parts of a chat request a policy reads. */
export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: ChatRequestMessage[];
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: Record<string, unknown> } }>;
}

/** What the scripted model answers: text, and/or tool calls (arguments as an object, or raw text to send malformed JSON). */
export interface ScriptedAnswer {
  content?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string }>;
}

/** Decides an answer from the request (and how many requests came before). */
export type ChatPolicy = (request: ChatRequest, index: number) => ScriptedAnswer | Promise<ScriptedAnswer>;

/** A running scripted server. */
export interface ScriptedOpenAiServer {
  /** The base URL to give LLM_BASE_URL (ends in /v1). */
  baseUrl: string;
  requests: ChatRequest[];
  /** Milliseconds the server spent answering each request (parse to last byte). */
  serverMs: number[];
  /** `auto` honours `stream`; `json` always answers plain JSON. */
  mode: 'auto' | 'json';
  close(): Promise<void>;
}

/** Text of a message's content. */
export function messageText(message: ChatRequestMessage | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('');
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const usage = (request: ChatRequest, answer: ScriptedAnswer) => {
  const prompt = Math.ceil(JSON.stringify(request.messages).length / 4);
  const completion = Math.ceil(((answer.content ?? '').length + JSON.stringify(answer.toolCalls ?? []).length) / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
};

const toolCallsOf = (answer: ScriptedAnswer, index: number) =>
  (answer.toolCalls ?? []).map((call, position) => ({
    id: `call_${index}_${position}`,
    type: 'function' as const,
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));

/** Starts the server on 127.0.0.1, port 0. */
export async function startScriptedOpenAiServer(
  policy: ChatPolicy,
  options: { mode?: 'auto' | 'json' } = {},
): Promise<ScriptedOpenAiServer> {
  const requests: ChatRequest[] = [];
  const serverMs: number[] = [];
  const state = { mode: options.mode ?? 'auto' };
  const server: Server = createServer((request, response) => {
    const started = performance.now();
    void readBody(request).then(
      async (raw) => {
        if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
          response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
          return;
        }
        const body = JSON.parse(raw) as ChatRequest;
        const index = requests.length;
        requests.push(body);
        const answer = await policy(body, index);
        const toolCalls = toolCallsOf(answer, index);
        const finish = toolCalls.length ? 'tool_calls' : 'stop';
        const base = { id: `chatcmpl-${index}`, created: 1_700_000_000, model: body.model };
        if (!body.stream || state.mode === 'json') {
          const completion = {
            ...base,
            object: 'chat.completion',
            choices: [
              {
                index: 0,
                finish_reason: finish,
                message: { role: 'assistant', content: answer.content ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
              },
            ],
            usage: usage(body, answer),
          };
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
          serverMs.push(performance.now() - started);
          return;
        }
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
          response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
        send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
        for (const piece of (answer.content ?? '').match(/\S+\s*|\s+/g) ?? [])
          send([{ index: 0, delta: { content: piece }, finish_reason: null }]);
        toolCalls.forEach((call, position) => {
          const half = Math.ceil(call.function.arguments.length / 2);
          send([
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    index: position,
                    id: call.id,
                    type: 'function',
                    function: { name: call.function.name, arguments: call.function.arguments.slice(0, half) },
                  },
                ],
              },
              finish_reason: null,
            },
          ]);
          send([
            {
              index: 0,
              delta: { tool_calls: [{ index: position, function: { arguments: call.function.arguments.slice(half) } }] },
              finish_reason: null,
            },
          ]);
        });
        send([{ index: 0, delta: {}, finish_reason: finish }]);
        send([], { usage: usage(body, answer) });
        response.end('data: [DONE]\n\n');
        serverMs.push(performance.now() - started);
      },
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    serverMs,
    get mode() {
      return state.mode;
    },
    set mode(value) {
      state.mode = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The last user message of a request. */
export function lastUserText(request: ChatRequest): string {
  return messageText([...request.messages].reverse().find((message) => message.role === 'user'));
}

/** The tool results since the last user message. */
export function toolResultsSinceUser(request: ChatRequest): string[] {
  const results: string[] = [];
  for (const message of [...request.messages].reverse()) {
    if (message.role === 'user') break;
    if (message.role === 'tool') results.unshift(messageText(message));
  }
  return results;
}

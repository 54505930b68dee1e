/**
 * A local stand-in for Slack over real HTTP: the Web API methods Bolt calls (auth.test,
 * chat.postMessage, chat.update, chat.postEphemeral, apps.connections.open, the streaming
 * methods chat.startStream/appendStream/stopStream, assistant.threads.setStatus/
 * setSuggestedPrompts/setTitle, views.publish and users.info with per-user locales) plus response_url
 * endpoints, recording every call; Socket Mode over a real WebSocket (fake-slack-socket.ts);
 * and helpers that sign requests with the v0 HMAC scheme exactly as Slack does.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachFakeSocketMode, type FakeSocketMode } from './fake-slack-socket.js';

/** One recorded call. */
export interface SlackCall {
  method: string;
  params: Record<string, unknown>;
  /** What the fake answered (e.g. the `ts` of a posted message). */
  response: Record<string, unknown>;
  at: number;
}

/** The fake server. */
export interface FakeSlack {
  url: string;
  apiUrl: string;
  calls: SlackCall[];
  /** Socket Mode: connections handed out by apps.connections.open, envelopes and acks. */
  socketMode: FakeSocketMode;
  /** Called on every recorded call (benchmarks correlate without scanning `calls`). */
  listeners: Set<(call: SlackCall) => void>;
  /** Makes the next `times` calls of `method` fail with HTTP `status` (429 carries Retry-After: 0). */
  failNext(method: string, status: number, times: number): void;
  /** Makes the next `times` calls of `method` answer `{ok: false, error}` (HTTP 200), as Slack refuses a method. */
  refuseNext(method: string, error: string, times: number): void;
  /** users.info answers: Slack user id → locale (`fr-FR`…); unknown users get `en-US`. */
  userLocales: Map<string, string>;
  /** Resolves with the first call matching `check` (including earlier ones), or rejects after `timeoutMs`. */
  waitFor(check: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  close(): Promise<void>;
}

function parseBody(type: string | undefined, text: string): Record<string, unknown> {
  if (type?.includes('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    params[key] = /^[[{]/.test(value)
      ? (() => {
          try {
            return JSON.parse(value) as unknown;
          } catch {
            return value;
          }
        })()
      : value;
  }
  return params;
}

/** Starts the fake Slack on port 0. */
export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const failures = new Map<string, { status: number; times: number }>();
  const refusals = new Map<string, { error: string; times: number }>();
  const userLocales = new Map<string, string>();
  const waiters = new Set<() => void>();
  const listeners = new Set<(call: SlackCall) => void>();
  let sequence = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://fake').pathname;
      const method = path.startsWith('/api/') ? path.slice(5) : path.startsWith('/response/') ? 'response_url' : path;
      const failure = failures.get(method);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        response.writeHead(
          failure.status,
          failure.status === 429 ? { 'retry-after': '0', 'content-type': 'application/json' } : { 'content-type': 'application/json' },
        );
        response.end(JSON.stringify({ ok: false, error: failure.status === 429 ? 'ratelimited' : 'internal_error' }));
        return;
      }
      const params = parseBody(request.headers['content-type'], Buffer.concat(chunks).toString('utf8'));
      sequence += 1;
      const ts = `1700000000.${String(sequence).padStart(6, '0')}`;
      const refusal = refusals.get(method);
      const refused = refusal && refusal.times > 0 ? (refusal.times--, { ok: false, error: refusal.error }) : undefined;
      const body = refused
        ? refused
        : method === 'auth.test'
          ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', url: 'https://fake.slack/' }
          : method === 'chat.postMessage'
            ? { ok: true, channel: params.channel, ts, message: { text: params.text, ts } }
            : method === 'chat.update'
              ? { ok: true, channel: params.channel, ts: params.ts }
              : method === 'chat.postEphemeral'
                ? { ok: true, message_ts: ts }
                : method === 'response_url'
                  ? { ok: true }
                  : method === 'chat.startStream'
                    ? { ok: true, channel: params.channel, ts }
                    : method === 'chat.appendStream' || method === 'chat.stopStream'
                      ? { ok: true, channel: params.channel, ts: params.ts }
                      : method.startsWith('assistant.threads.') || method === 'views.publish'
                        ? { ok: true }
                        : method === 'users.info'
                          ? { ok: true, user: { id: params.user, locale: userLocales.get(String(params.user)) ?? 'en-US' } }
                          : // Socket Mode needs the app-level token (xapp-…), never the bot token; a `revoked` one is refused.
                            method === 'apps.connections.open'
                            ? /revoked/.test(String(request.headers.authorization))
                              ? { ok: false, error: 'invalid_auth' }
                              : /^Bearer xapp-/.test(String(request.headers.authorization))
                                ? { ok: true, url: socketMode.newUrl() }
                                : { ok: false, error: 'not_allowed_token_type' }
                            : { ok: false, error: 'unknown_method' };
      const call = { method, params, response: body, at: performance.now() };
      calls.push(call);
      for (const listener of listeners) listener(call);
      for (const wake of waiters) wake();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const socketMode = attachFakeSocketMode(server, url.replace(/^http/, 'ws'));
  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    socketMode,
    listeners,
    failNext(method, status, times) {
      failures.set(method, { status, times });
    },
    refuseNext(method, error, times) {
      refusals.set(method, { error, times });
    },
    userLocales,
    waitFor(check, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const found = calls.find(check);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fake Slack: no matching call within ${timeoutMs} ms; got ${calls.map((call) => call.method).join(', ')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(look);
        };
        waiters.add(look);
        look();
      });
    },
    async close() {
      await socketMode.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Slack's v0 signature headers for a raw body. */
export function slackSignature(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
}

/** Posts a signed request to the app's Slack endpoint. */
export async function postToSlackEndpoint(
  url: string,
  secret: string,
  body: string,
  contentType: 'application/json' | 'application/x-www-form-urlencoded',
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, ...slackSignature(secret, body), ...extraHeaders },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** The form body of a `/vigie` slash command. */
export function slashCommandBody(fields: {
  team?: string;
  channel?: string;
  user: string;
  text: string;
  trigger: string;
  responseUrl: string;
}): string {
  return new URLSearchParams(slashCommandFields(fields)).toString();
}

/** The fields of a `/vigie` slash command (form-encoded over HTTP, a JSON payload over Socket Mode). */
export function slashCommandFields(fields: {
  team?: string;
  channel?: string;
  user: string;
  text: string;
  trigger: string;
  responseUrl: string;
}): Record<string, string> {
  return {
    token: 'legacy',
    team_id: fields.team ?? 'T1',
    team_domain: 'test',
    channel_id: fields.channel ?? 'CMAIN',
    channel_name: 'ops',
    user_id: fields.user,
    user_name: fields.user.toLowerCase(),
    command: '/vigie',
    text: fields.text,
    api_app_id: 'A1',
    response_url: fields.responseUrl,
    trigger_id: fields.trigger,
  };
}

/** The JSON body of an Events API delivery. */
export function eventBody(eventId: string, event: Record<string, unknown>, team = 'T1'): string {
  return JSON.stringify({
    token: 'legacy',
    team_id: team,
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: eventId,
    event_time: 1700000000,
    event,
  });
}

/** The form body of a block_actions click. */
export function blockActionBody(fields: Parameters<typeof blockActionPayload>[0]): string {
  return new URLSearchParams({ payload: JSON.stringify(blockActionPayload(fields)) }).toString();
}

/** The payload of a block_actions click. */
export function blockActionPayload(fields: {
  user: string;
  team?: string;
  channel?: string;
  messageTs: string;
  blocks: unknown[];
  actionId: string;
  value: string;
  responseUrl: string;
}): Record<string, unknown> {
  return {
    type: 'block_actions',
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    response_url: fields.responseUrl,
    user: { id: fields.user, team_id: fields.team ?? 'T1' },
    team: { id: fields.team ?? 'T1' },
    channel: { id: fields.channel ?? 'CMAIN' },
    container: { type: 'message', message_ts: fields.messageTs, channel_id: fields.channel ?? 'CMAIN' },
    message: { type: 'message', ts: fields.messageTs, text: 'answer', blocks: fields.blocks },
    actions: [
      {
        type: 'button',
        action_id: fields.actionId,
        block_id: `decide:${fields.value}`,
        value: fields.value,
        action_ts: '1700000001.000000',
      },
    ],
  };
}

/**
 * A local stand-in for Discord's REST API over real HTTP (webhook edits and follow-ups,
 * command registration, channel messages, typing, interaction callbacks; multipart bodies
 * with attachments; injected 429/5xx failures), recording every call; GET /gateway/bot
 * refuses the token, since no real gateway exists here; and Ed25519 signing as Discord does it.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded REST call. */
export interface DiscordCall {
  method: string;
  path: string;
  /** The JSON body (for multipart requests, their payload_json). */
  body: Record<string, unknown>;
  /** Files of a multipart request. */
  files: Array<{ name: string; text: string }>;
  /** The message id the fake answered with, for message posts. */
  id: string;
}

/** The fake REST API. */
export interface FakeDiscord {
  /** Base for discord.js's REST `api` option. */
  apiUrl: string;
  calls: DiscordCall[];
  /** Makes the next `times` calls whose path includes `pathPart` fail with `status` (429 carries retry_after 0). */
  failNext(pathPart: string, status: number, times: number): void;
  waitFor(check: (call: DiscordCall) => boolean, timeoutMs?: number): Promise<DiscordCall>;
  close(): Promise<void>;
}

/** The id the fake bot user has in message answers. */
export const FAKE_BOT_ID = '810000000000000001';

async function parseBody(type: string | undefined, raw: Buffer): Promise<{ body: Record<string, unknown>; files: DiscordCall['files'] }> {
  if (type?.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    const files: DiscordCall['files'] = [];
    let body: Record<string, unknown> = {};
    const entries: Array<[string, FormDataEntryValue]> = [];
    form.forEach((value, key) => entries.push([key, value]));
    for (const [key, value] of entries) {
      if (key === 'payload_json') body = JSON.parse(String(value)) as Record<string, unknown>;
      else if (typeof value !== 'string') files.push({ name: value.name, text: await value.text() });
    }
    return { body, files };
  }
  const text = raw.toString('utf8');
  return { body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, files: [] };
}

/** Starts the fake on port 0. */
export async function startFakeDiscord(): Promise<FakeDiscord> {
  const calls: DiscordCall[] = [];
  const failures: Array<{ pathPart: string; status: number; times: number }> = [];
  let sequence = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const path = decodeURIComponent(new URL(request.url ?? '/', 'http://fake').pathname);
        const failure = failures.find((candidate) => candidate.times > 0 && path.includes(candidate.pathPart));
        if (failure) {
          failure.times -= 1;
          response.writeHead(failure.status, {
            'content-type': 'application/json',
            ...(failure.status === 429 ? { 'retry-after': '0' } : {}),
          });
          response.end(
            JSON.stringify(
              failure.status === 429
                ? { message: 'You are being rate limited.', retry_after: 0, global: false }
                : { message: 'Internal Server Error', code: 0 },
            ),
          );
          return;
        }
        // No real gateway here: the bot token is refused, as Discord does for a bad one.
        if (path.endsWith('/gateway/bot')) {
          calls.push({ method: request.method ?? 'GET', path, body: {}, files: [], id: '' });
          response.writeHead(401, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ message: '401: Unauthorized', code: 0 }));
          return;
        }
        const { body, files } = await parseBody(request.headers['content-type'], Buffer.concat(chunks));
        sequence += 1;
        const id = String(900_000_000_000_000_000n + BigInt(sequence));
        calls.push({ method: request.method ?? 'GET', path, body, files, id });
        const channel = /\/channels\/(\d+)\//.exec(path)?.[1] ?? '1';
        response.writeHead(request.method === 'POST' && path.endsWith('/typing') ? 204 : 200, { 'content-type': 'application/json' });
        if (path.endsWith('/typing')) {
          response.end();
          return;
        }
        response.end(
          JSON.stringify({
            id,
            type: 0,
            channel_id: channel,
            content: body.content ?? '',
            embeds: body.embeds ?? [],
            components: [],
            attachments: [],
            timestamp: new Date().toISOString(),
            author: { id: FAKE_BOT_ID, username: 'vigie', discriminator: '0', bot: true },
          }),
        );
      })().catch((error: unknown) => {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `fake Discord could not read the request: ${(error as Error).message}`, code: 50109 }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    calls,
    failNext(pathPart, status, times) {
      failures.push({ pathPart, status, times });
    },
    async waitFor(check, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = calls.find(check);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`fake Discord: no matching call; got ${calls.map((call) => `${call.method} ${call.path}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Discord application key pair: the public key as DISCORD_PUBLIC_KEY hex, and a signer. */
export function discordKeys(): { publicKeyHex: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { publicKeyHex: Buffer.from(jwk.x!, 'base64url').toString('hex'), privateKey };
}

/** Signature headers for a body. */
export function discordSignature(privateKey: KeyObject, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'x-signature-ed25519': sign(null, Buffer.from(`${timestamp}${body}`), privateKey).toString('hex'),
    'x-signature-timestamp': String(timestamp),
  };
}

/**
 * Everything a person reads in a Discord message body, markdown escapes removed: `content`,
 * Components V2 text displays (nested in containers), embed titles, descriptions and fields.
 * Answers with a result view have no `content`, so tests read them through this.
 */
export function discordText(body: Record<string, unknown> | undefined): string {
  const parts: string[] = [];
  const walk = (components: unknown): void => {
    for (const component of Array.isArray(components) ? (components as Array<Record<string, unknown>>) : []) {
      if (typeof component.content === 'string') parts.push(component.content);
      walk(component.components);
    }
  };
  if (typeof body?.content === 'string') parts.push(body.content);
  walk(body?.components);
  for (const embed of Array.isArray(body?.embeds) ? (body.embeds as Array<Record<string, unknown>>) : []) {
    for (const key of ['title', 'description'] as const) if (typeof embed[key] === 'string') parts.push(embed[key]);
    for (const field of Array.isArray(embed.fields) ? (embed.fields as Array<{ name?: string; value?: string }>) : [])
      parts.push(`${field.name ?? ''}: ${field.value ?? ''}`);
  }
  return parts.join('\n').replace(/\\([\\*_~`|>#[\]()-])/g, '$1');
}

/**
 * A local stand-in for Discord's REST API over real HTTP (webhook edits and follow-ups,
 * command registration), recording every call; and Ed25519 signing as Discord does it.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded REST call. */
export interface DiscordCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

/** The fake REST API. */
export interface FakeDiscord {
  /** Base for discord.js's REST `api` option. */
  apiUrl: string;
  calls: DiscordCall[];
  waitFor(check: (call: DiscordCall) => boolean, timeoutMs?: number): Promise<DiscordCall>;
  close(): Promise<void>;
}

/** Starts the fake on port 0. */
export async function startFakeDiscord(): Promise<FakeDiscord> {
  const calls: DiscordCall[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      calls.push({ method: request.method ?? 'GET', path: decodeURIComponent(new URL(request.url ?? '/', 'http://fake').pathname), body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: String(calls.length), channel_id: '1', content: '' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    calls,
    async waitFor(check, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = calls.find(check);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`fake Discord: no matching call; got ${calls.map((call) => `${call.method} ${call.path}`).join(', ')}`);
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

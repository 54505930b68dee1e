/**
 * Socket fuzz: thousands of emits over every client event and unknown names, with extra
 * arguments, missing and non-object payloads and hostile text. Every emit sent with an ack
 * is answered (never `internal_error`), and a bystander client is never disconnected.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'socket.io-client';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { prng } from '../support/openapi-fuzz.js';
import { closeAllSockets, connectSocket, request, type ClientSocket } from './support/socket-client.js';

const MIN_EMITS = 2_000;
const KNOWN = ['conversation:join', 'conversation:leave', 'message:send', 'typing', 'execution:approve', 'execution:deny'];
const UNKNOWN = [
  'nope',
  'conversation:delete',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'x'.repeat(300),
  'message:send ',
  'MESSAGE:SEND',
];

function deep(levels: number): unknown {
  let value: unknown = 1;
  for (let index = 0; index < levels; index += 1) value = [value];
  return value;
}

for (const backend of testBackends()) {
  describe(`socket fuzz on ${backend.name}`, () => {
    let harness: TestApp;
    let conversationId: string;

    before(async () => {
      harness = await startTestApp(await backend.open(), { gateway: { limits: { eventsPerMinute: 1_000_000 } } });
      conversationId = (await apiClient(harness.url, harness.adminToken).post('/api/conversations', { title: 'socket fuzz' })).body.id;
    });
    after(async () => {
      closeAllSockets();
      await harness.close();
      await harness.database.close();
    });

    it(`answers every one of at least ${MIN_EMITS} hostile emits and disconnects no bystander`, async (t) => {
      const random = prng(4);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const operator = await harness.createUser('operator');
      const viewer = await harness.createUser('viewer');
      const fuzzers = await Promise.all(
        [harness.adminToken, operator.token, viewer.token].map((token) => connectSocket(harness.url, token)),
      );
      const bystander = await connectSocket(harness.url, harness.adminToken);
      assert.ok((await request(bystander, 'conversation:join', { conversationId })).data);
      let bystanderDisconnects = 0;
      bystander.on('disconnect', () => (bystanderDisconnects += 1));

      const texts = ['', 'ok', 'a\u0000b', 'a\ud800b', '\udc00', 'x'.repeat(40_000), '%ff%fe'];
      const ids = [conversationId, randomUUID(), 'not-a-uuid', '', 'a\u0000', '\ud800', 42, null];
      const payloads = (): unknown[] => [
        { conversationId: pick(ids) },
        { conversationId: pick(ids), since: pick(['2026-01-01T00:00:00Z', 'yesterday', 'a\u0000']) },
        { conversationId: pick(ids), content: pick(texts), clientMessageId: pick([randomUUID(), '', 'c\u0000', 'x'.repeat(200)]) },
        { executionId: pick(ids) },
        {},
        null,
        42,
        'a string',
        true,
        [],
        [{ conversationId }],
        deep(80),
        JSON.parse('{"__proto__":{"polluted":true},"conversationId":"x"}'),
        { conversationId, extra: 'field' },
        { [`k${'\u0000'}`]: 1 },
      ];
      const shapes: Array<(payload: unknown) => unknown[]> = [
        (payload) => [payload],
        (payload) => [payload, 'extra'],
        (payload) => [payload, { more: true }, 3],
        () => [],
        (payload) => [payload, undefined],
      ];

      let emits = 0;
      let withAck = 0;
      let answered = 0;
      const missing: string[] = [];
      const internal: string[] = [];
      const codes = new Map<string, number>();
      const one = async (socket: ClientSocket) => {
        const event = random() < 0.2 ? pick(UNKNOWN) : pick(KNOWN);
        const args = pick(shapes)(pick(payloads()));
        emits += 1;
        const raw = socket as unknown as Socket;
        if (random() < 0.1) {
          raw.emit(event, ...args);
          return;
        }
        withAck += 1;
        try {
          const ack = (await raw.timeout(15_000).emitWithAck(event, ...args)) as { data?: unknown; error?: { code: string } };
          answered += 1;
          const code = ack?.error ? ack.error.code : 'ok';
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (!ack || (ack.error === undefined && !('data' in ack))) missing.push(`${event} gave a malformed ack`);
          if (code === 'internal_error') internal.push(`${event.slice(0, 40)} ${JSON.stringify(args).slice(0, 120)}`);
        } catch (error) {
          missing.push(`${event.slice(0, 40)} ${JSON.stringify(args).slice(0, 120)}: ${(error as Error).message}`);
        }
      };
      const BATCH = 24;
      while (emits < MIN_EMITS + 100) {
        await Promise.all(Array.from({ length: BATCH }, (_unused, index) => one(fuzzers[index % fuzzers.length]!)));
      }

      const summary = { emits, withAck, answered, missing: missing.length, internal: internal.length, codes: Object.fromEntries(codes) };
      t.diagnostic(`socket fuzz ${backend.name}: ${JSON.stringify(summary)}`);
      console.log(`socket fuzz ${backend.name}: ${JSON.stringify(summary)}`);
      assert.ok(emits >= MIN_EMITS);
      assert.deepEqual(missing.slice(0, 20), [], `${missing.length} acks missing`);
      assert.deepEqual(internal.slice(0, 20), [], `${internal.length} internal errors`);
      assert.ok((codes.get('unknown_event') ?? 0) > 0 && (codes.get('validation_error') ?? 0) > 0);

      // Nobody was thrown out: the bystander and the fuzzers still talk to the server.
      assert.equal(bystanderDisconnects, 0);
      assert.ok(bystander.connected);
      for (const socket of fuzzers) assert.ok(socket.connected);
      assert.ok((await request(bystander, 'typing', { conversationId })).data);
      const metrics = await (await fetch(`${harness.url}/metrics`)).text();
      assert.match(metrics, /vigie_socket_events_total\{event="unknown",outcome="unknown_event"\} \d+/);
      assert.match(metrics, /vigie_socket_events_total\{event="message:send",outcome="validation_error"\} \d+/);
    });

    it('answers unknown events, extra arguments and non-UUID execution ids with typed errors', async () => {
      const socket = await connectSocket(harness.url, harness.adminToken);
      const raw = socket as unknown as Socket;
      assert.equal(
        ((await raw.timeout(5_000).emitWithAck('no:such:event', {})) as { error: { code: string } }).error.code,
        'unknown_event',
      );
      assert.equal(
        ((await raw.timeout(5_000).emitWithAck('typing', { conversationId }, 'extra')) as { error: { code: string } }).error.code,
        'validation_error',
      );
      assert.equal(((await raw.timeout(5_000).emitWithAck('typing')) as { error: { code: string } }).error.code, 'validation_error');
      assert.equal((await request(socket, 'execution:approve', { executionId: 'not-a-uuid' })).error.code, 'validation_error');
      assert.equal((await request(socket, 'execution:deny', { executionId: 'x\u0000' })).error.code, 'validation_error');
      const nul = await request(socket, 'message:send', { conversationId, content: 'a\u0000b', clientMessageId: randomUUID() });
      assert.equal(nul.error.code, 'validation_error');
      assert.equal(nul.error.details[0].path, 'payload.content');
      socket.close();
    });
  });
}

/**
 * The realtime gateway over a real server on port 0 and real socket.io-clients, on every
 * database backend: handshake auth, join authorization, ack error shapes for bad payloads,
 * idempotent sends under retry, delivery to other clients, REST broadcasts, presence, agent
 * and audit events, catch-up after a reconnect, rate and size limits.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { closeAllSockets, connectSocket, nextEvent, recordEvents, request, type ClientSocket } from './support/socket-client.js';

for (const backend of testBackends()) {
  describe(`realtime gateway on ${backend.name}`, () => {
    let harness: TestApp;
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    let conversationId: string;
    let aliceSocket: ClientSocket;

    before(async () => {
      harness = await startTestApp(await backend.open(), { gateway: true });
      alice = await harness.createUser('operator', `alice-rt-${backend.name}`);
      bob = await harness.createUser('viewer', `bob-rt-${backend.name}`);
      conversationId = (await apiClient(harness.url, alice.token).post('/api/conversations', { title: 'realtime' })).body.id;
      aliceSocket = await connectSocket(harness.url, alice.token);
    });
    after(async () => {
      closeAllSockets();
      await harness.close();
      await harness.database.close();
    });

    it('refuses a missing or bad token with connect_error unauthorized', async () => {
      await assert.rejects(connectSocket(harness.url, undefined), { message: 'unauthorized' });
      await assert.rejects(connectSocket(harness.url, 'vig_not_a_real_token'), { message: 'unauthorized' });
      await assert.rejects(connectSocket(harness.url, 'x'.repeat(500)), { message: 'unauthorized' });
    });

    it("refuses to join another user's conversation and lets the owner and admins in", async () => {
      const bobSocket = await connectSocket(harness.url, bob.token);
      assert.deepEqual((await request(bobSocket, 'conversation:join', { conversationId })).error.code, 'not_found');
      assert.equal((await request(bobSocket, 'conversation:join', { conversationId: randomUUID() })).error.code, 'not_found');
      const joined = await request(aliceSocket, 'conversation:join', { conversationId });
      assert.equal(joined.data.conversation.id, conversationId);
      assert.deepEqual(joined.data.missed, []);
      assert.ok(joined.data.users.some((user: { userId: string }) => user.userId === alice.id));
      const adminSocket = await connectSocket(harness.url, harness.adminToken);
      assert.equal((await request(adminSocket, 'conversation:join', { conversationId })).data.conversation.id, conversationId);
      // Bob was refused, so he must not receive the room's messages.
      const bobMessages = recordEvents(bobSocket, 'message:new');
      const barrier = nextEvent(adminSocket, 'message:new', (payload) => payload.message.content === 'members only');
      await request(aliceSocket, 'message:send', { conversationId, content: 'members only', clientMessageId: randomUUID() });
      await barrier;
      assert.equal(bobMessages.length, 0);
      bobSocket.close();
      adminSocket.close();
    });

    it('answers every bad payload with a typed error ack', async () => {
      const cases: [string, unknown, string][] = [
        ['conversation:join', {}, 'validation_error'],
        ['conversation:join', { conversationId: 'not-a-uuid' }, 'validation_error'],
        ['conversation:join', { conversationId, extra: 1 }, 'validation_error'],
        ['conversation:join', { conversationId, since: 'yesterday' }, 'validation_error'],
        ['conversation:join', 'a string', 'validation_error'],
        ['conversation:join', null, 'validation_error'],
        ['conversation:join', 42, 'validation_error'],
        ['conversation:leave', { conversationId: 7 }, 'validation_error'],
        ['message:send', { conversationId, content: 'no id' }, 'validation_error'],
        ['message:send', { conversationId, content: '   ', clientMessageId: 'c1' }, 'validation_error'],
        ['message:send', { conversationId, content: 'x', clientMessageId: '' }, 'validation_error'],
        ['message:send', { conversationId, content: 'x', clientMessageId: 'c'.repeat(101) }, 'validation_error'],
        ['message:send', { conversationId, content: 'x'.repeat(32_001), clientMessageId: 'c2' }, 'validation_error'],
        ['message:send', { conversationId, content: 'x'.repeat(70_000), clientMessageId: 'c3' }, 'payload_too_large'],
        ['message:send', { conversationId: randomUUID(), content: 'x', clientMessageId: 'c4' }, 'not_found'],
        ['typing', { conversationId: randomUUID() }, 'not_found'],
        ['typing', [], 'validation_error'],
        ['execution:approve', {}, 'validation_error'],
        ['execution:deny', { executionId: 5 }, 'validation_error'],
        ['execution:approve', { executionId: 'e-1' }, 'validation_error'],
        ['execution:approve', { executionId: randomUUID() }, 'not_available'],
        ['execution:deny', { executionId: randomUUID() }, 'not_available'],
      ];
      for (const [event, payload, code] of cases) {
        const ack = await request(aliceSocket, event, payload);
        assert.equal(ack.data, undefined, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
        assert.equal(ack.error.code, code, `${event} ${JSON.stringify(payload)?.slice(0, 80)}`);
        assert.equal(typeof ack.error.message, 'string');
      }
      // Nothing was stored by the refused sends, and the socket is still usable.
      const messages = await apiClient(harness.url, alice.token).get(`/api/conversations/${conversationId}/messages?limit=100`);
      assert.ok(
        !messages.body.data.some((message: { content: string }) => message.content === 'no id' || message.content.startsWith('xxx')),
      );
      assert.ok(aliceSocket.connected);
    });

    it('stores a message once per clientMessageId, even under concurrent retries', async () => {
      const watcher = await connectSocket(harness.url, harness.adminToken);
      await request(watcher, 'conversation:join', { conversationId });
      const seen = recordEvents(watcher, 'message:new');
      const clientMessageId = randomUUID();
      const payload = { conversationId, content: 'retried message', clientMessageId };
      const acks = await Promise.all([1, 2, 3, 4, 5].map(() => request(aliceSocket, 'message:send', payload)));
      const ids = new Set(acks.map((ack) => ack.data.message.id));
      assert.equal(ids.size, 1);
      assert.equal(acks.filter((ack) => ack.data.created).length, 1);
      // A retry after a reconnect, on a new socket, still returns the same message.
      const again = await connectSocket(harness.url, alice.token);
      const retried = await request(again, 'message:send', payload);
      assert.equal(retried.data.created, false);
      assert.ok(ids.has(retried.data.message.id));
      const barrier = nextEvent(watcher, 'message:new', (event) => event.message.content === 'after retries');
      await request(aliceSocket, 'message:send', { conversationId, content: 'after retries', clientMessageId: randomUUID() });
      await barrier;
      assert.equal(seen.filter((event) => event.message.clientMessageId === clientMessageId).length, 1);
      const stored = await apiClient(harness.url, alice.token).get(`/api/conversations/${conversationId}/messages?limit=100`);
      assert.equal(
        stored.body.data.filter((message: { clientMessageId: string }) => message.clientMessageId === clientMessageId).length,
        1,
      );
      watcher.close();
      again.close();
    });

    it('delivers socket and REST messages to a second client, with presence and typing', async () => {
      const second = await connectSocket(harness.url, alice.token);
      const presence = nextEvent(aliceSocket, 'presence', (event) => event.conversationId === conversationId);
      await request(second, 'conversation:join', { conversationId });
      assert.ok((await presence).users.some((user: { userName: string }) => user.userName === `alice-rt-${backend.name}`));

      const arriving = nextEvent(second, 'message:new', (event) => event.message.content === 'hello from socket');
      const ack = await request(aliceSocket, 'message:send', {
        conversationId,
        content: 'hello from socket',
        clientMessageId: randomUUID(),
      });
      const delivered = await arriving;
      assert.equal(delivered.message.id, ack.data.message.id);
      assert.equal(delivered.message.channel, 'console');
      assert.equal(delivered.message.authorId, alice.id);

      const viaRest = nextEvent(second, 'message:new', (event) => event.message.content === 'hello from REST');
      const posted = await apiClient(harness.url, alice.token).post(`/api/conversations/${conversationId}/messages`, {
        content: 'hello from REST',
      });
      assert.equal(posted.status, 201);
      assert.equal((await viaRest).message.id, posted.body.id);

      const typing = nextEvent(second, 'typing', (event) => event.conversationId === conversationId);
      assert.deepEqual((await request(aliceSocket, 'typing', { conversationId })).data, { conversationId });
      assert.equal((await typing).userId, alice.id);

      // After leaving, the second client no longer receives the room's messages.
      assert.deepEqual((await request(second, 'conversation:leave', { conversationId })).data, { conversationId });
      const missed = recordEvents(second, 'message:new');
      const barrier = nextEvent(aliceSocket, 'message:new', (event) => event.message.content === 'after leave');
      await request(aliceSocket, 'message:send', { conversationId, content: 'after leave', clientMessageId: randomUUID() });
      await barrier;
      assert.equal(missed.length, 0);
      second.close();
    });

    it('catches a reconnecting client up with the messages it missed', async () => {
      const last = await request(aliceSocket, 'message:send', { conversationId, content: 'before the gap', clientMessageId: randomUUID() });
      const since = last.data.message.createdAt;
      await apiClient(harness.url, alice.token).post(`/api/conversations/${conversationId}/messages`, { content: 'during the gap' });
      const late = await connectSocket(harness.url, alice.token);
      const joined = await request(late, 'conversation:join', { conversationId, since });
      assert.deepEqual(
        joined.data.missed.map((message: { content: string }) => message.content),
        ['during the gap'],
      );
      late.close();
    });

    it('maps agent and audit domain events to socket events, audit to admins only', async () => {
      const adminSocket = await connectSocket(harness.url, harness.adminToken);
      const events = harness.app.context.events;
      const token = nextEvent(aliceSocket, 'agent:token');
      events.emit('agent.token', { conversationId, messageId: 'm-1', delta: 'Hel' });
      assert.deepEqual(await token, { conversationId, messageId: 'm-1', delta: 'Hel' });

      const execution = { id: 'x-1', tool: 'net.ping', status: 'pending_approval', arguments: { host: '10.0.0.1' }, requestedBy: alice.id };
      const tool = nextEvent(aliceSocket, 'agent:tool');
      events.emit('agent.tool', { conversationId, execution });
      assert.deepEqual((await tool).execution, execution);
      const global = nextEvent(adminSocket, 'agent:tool', (event) => event.conversationId === null);
      events.emit('agent.tool', { conversationId: null, execution: { ...execution, id: 'x-2' } });
      assert.equal((await global).execution.id, 'x-2');

      const stored = (await request(aliceSocket, 'message:send', { conversationId, content: 'answer', clientMessageId: randomUUID() })).data
        .message;
      const done = nextEvent(aliceSocket, 'agent:done');
      events.emit('agent.done', { conversationId, message: stored });
      assert.equal((await done).message.id, stored.id);

      const bobSocket = await connectSocket(harness.url, bob.token);
      const bobAudit = recordEvents(bobSocket, 'audit:event');
      const aliceAudit = recordEvents(aliceSocket, 'audit:event');
      const adminAudit = recordEvents(adminSocket, 'audit:event');
      const audit = nextEvent(adminSocket, 'audit:event', (event) => event.event.action === 'test.realtime');
      const record = await harness.app.context.audit.append({ action: 'test.realtime', actorId: alice.id });
      events.emit('audit.appended', { event: record as unknown as Record<string, unknown> });
      assert.equal((await audit).event.id, record.id);
      const barrier = nextEvent(adminSocket, 'audit:event', (event) => event.event.action === 'test.realtime.barrier');
      await harness.app.context.audit.append({ action: 'test.realtime.barrier' });
      await barrier;
      assert.equal(bobAudit.length + aliceAudit.length, 0);
      // Notified by the audit log and by the domain event, forwarded once.
      assert.equal(adminAudit.filter((event) => event.event.id === record.id).length, 1);
      adminSocket.close();
      bobSocket.close();
    });

    it('stops answering a socket whose token was revoked, and disconnects it', async () => {
      const carol = await harness.createUser('operator');
      const socket = await connectSocket(harness.url, carol.token);
      assert.ok((await request(socket, 'typing', { conversationId: randomUUID() })).error.code === 'not_found');
      const me = await apiClient(harness.url, carol.token).get('/api/me');
      // The revoke disconnects the socket before the DELETE returns.
      const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
      assert.equal((await apiClient(harness.url, harness.adminToken).delete(`/api/tokens/${me.body.tokenId}`)).status < 300, true);
      assert.equal(await disconnected, 'io server disconnect');
      await assert.rejects(connectSocket(harness.url, carol.token), { message: 'unauthorized' });

      // A token revoked behind the app's back (no announce): the next event is refused and the
      // socket dropped; a socket that only listens is found by the periodic revalidation.
      const erin = await harness.createUser('operator');
      const talker = await connectSocket(harness.url, erin.token);
      const erinMe = await apiClient(harness.url, erin.token).get('/api/me');
      await harness.app.context.database.prisma.apiToken.update({ where: { id: erinMe.body.tokenId }, data: { revokedAt: new Date() } });
      harness.app.context.authenticator.forget();
      const talkerGone = new Promise((resolve) => talker.once('disconnect', resolve));
      assert.equal((await request(talker, 'typing', { conversationId: randomUUID() })).error.code, 'unauthorized');
      assert.equal(await talkerGone, 'io server disconnect');

      const dave = await harness.createUser('viewer');
      const listener = await connectSocket(harness.url, dave.token);
      const daveMe = await apiClient(harness.url, dave.token).get('/api/me');
      await harness.app.context.database.prisma.apiToken.update({ where: { id: daveMe.body.tokenId }, data: { revokedAt: new Date() } });
      harness.app.context.authenticator.forget();
      const closed = new Promise((resolve) => listener.once('disconnect', resolve));
      assert.equal(await harness.gateway!.revalidate(), 1);
      assert.equal(await closed, 'io server disconnect');
    });

    it('exports socket metrics on the app registry', async () => {
      const text = await harness.app.metrics.metrics();
      assert.match(text, /vigie_socket_connections \d+/);
      assert.match(text, /vigie_socket_events_total\{event="message:send",outcome="ok"\} \d+/);
      assert.match(text, /vigie_socket_connections_total\{outcome="unauthorized"\} [1-9]/);
    });
  });
}

describe('realtime gateway limits and execution decisions', () => {
  const backend = testBackends()[0]!;
  let harness: TestApp;
  const decisions: string[] = [];

  before(async () => {
    harness = await startTestApp(await backend.open(), {
      gateway: {
        limits: { eventsPerMinute: 5 },
        executions: {
          approve: async (principal, executionId, channel) => {
            decisions.push(`approve ${executionId} by ${principal.userName} via ${channel}`);
            return { id: executionId, status: 'approved' };
          },
          deny: async (_principal, executionId) => {
            decisions.push(`deny ${executionId}`);
            return { id: executionId, status: 'denied' };
          },
        },
      },
    });
  });
  after(async () => {
    closeAllSockets();
    await harness.close();
    await harness.database.close();
  });

  it('passes approve and deny to the execution pipeline for operators only', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const viewer = await connectSocket(harness.url, (await harness.createUser('viewer')).token);
    assert.equal((await request(viewer, 'execution:approve', { executionId: first })).error.code, 'forbidden');
    const operator = await connectSocket(harness.url, (await harness.createUser('operator', 'olivia')).token);
    assert.deepEqual((await request(operator, 'execution:approve', { executionId: first })).data, { id: first, status: 'approved' });
    assert.deepEqual((await request(operator, 'execution:deny', { executionId: second })).data, { id: second, status: 'denied' });
    assert.deepEqual(decisions, [`approve ${first} by olivia via console`, `deny ${second}`]);
  });

  it('limits the event rate per socket', async () => {
    const socket = await connectSocket(harness.url, harness.adminToken);
    const codes: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      const ack = await request(socket, 'typing', { conversationId: randomUUID() });
      codes.push(ack.error.code);
    }
    assert.deepEqual(codes.slice(0, 5), Array(5).fill('not_found'));
    assert.deepEqual(codes.slice(5), ['rate_limited', 'rate_limited']);
    // Another socket has its own budget.
    const other = await connectSocket(harness.url, harness.adminToken);
    assert.equal((await request(other, 'typing', { conversationId: randomUUID() })).error.code, 'not_found');
  });
});

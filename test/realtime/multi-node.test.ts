/**
 * Two Vigie nodes as separate OS processes on one PostgreSQL database and one real Redis:
 * a client on node A receives what is sent through node B (socket and REST), each exactly
 * once; when Redis is killed both nodes keep serving their own clients, and cross-node
 * delivery resumes once Redis is back. Uses a private redis-server on a free port so the
 * shared one is never stopped.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { apiClient } from '../support/http-client.js';
import { cloneDatabase, startNode, type NodeProcess } from './support/cluster.js';
import { RedisProcess, freePort } from './support/redis-process.js';
import { closeAllSockets, connectSocket, nextEvent, recordEvents, request, type ClientSocket } from './support/socket-client.js';

const skip = !process.env.REDIS_URL
  ? 'set REDIS_URL to run the multi-node tests'
  : !process.env.DATABASE_URL
    ? 'set DATABASE_URL: two processes need a shared PostgreSQL database'
    : false;

describe('two nodes sharing rooms through Redis', { skip, timeout: 600_000 }, () => {
  const adminToken = `vig_multinode_${randomBytesHex()}`;
  let redis: RedisProcess;
  let database: Awaited<ReturnType<typeof cloneDatabase>>;
  let nodeA: NodeProcess;
  let nodeB: NodeProcess;
  let conversationId: string;
  let onA: ClientSocket;
  let onB: ClientSocket;

  before(async () => {
    redis = new RedisProcess(await freePort());
    await redis.start();
    database = await cloneDatabase(process.env.DATABASE_URL!);
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, ADMIN_TOKEN: adminToken, DATABASE_POOL_SIZE: '4' };
    // Started together, as two replicas would be (migrations and the admin bootstrap are race-safe).
    // If one fails, the other is stopped here: `after` cannot, and a live child would hang the run.
    const started = await Promise.allSettled([startNode(env), startNode(env)]);
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) {
      await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
      throw failure.reason;
    }
    [nodeA, nodeB] = started.map((result) => (result as PromiseFulfilledResult<NodeProcess>).value) as [NodeProcess, NodeProcess];
    conversationId = (await apiClient(nodeA.url, adminToken).post('/api/conversations', { title: 'cross-node' })).body.id;
    onA = await connectSocket(nodeA.url, adminToken);
    onB = await connectSocket(nodeB.url, adminToken);
    for (const socket of [onA, onB]) assert.ok((await request(socket, 'conversation:join', { conversationId })).data);
  });
  after(async () => {
    closeAllSockets();
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
    await database?.drop();
  });

  it('delivers a message sent through node B to a client on node A exactly once', async () => {
    const seenOnA = recordEvents(onA, 'message:new');
    const arriving = nextEvent(onA, 'message:new', (event) => event.message.content === 'from B');
    const ack = await request(onB, 'message:send', { conversationId, content: 'from B', clientMessageId: randomUUID() });
    assert.equal((await arriving).message.id, ack.data.message.id);

    const viaRest = nextEvent(onB, 'message:new', (event) => event.message.content === 'REST on A');
    await apiClient(nodeA.url, adminToken).post(`/api/conversations/${conversationId}/messages`, { content: 'REST on A' });
    await viaRest;

    const barrier = nextEvent(onA, 'message:new', (event) => event.message.content === 'barrier');
    await request(onB, 'message:send', { conversationId, content: 'barrier', clientMessageId: randomUUID() });
    await barrier;
    // The agent answers each user message on the node that stored it; count user messages.
    assert.deepEqual(
      seenOnA.filter((event) => event.message.role === 'user').map((event) => event.message.content),
      ['from B', 'REST on A', 'barrier'],
    );
    const replies = seenOnA.filter((event) => event.message.role === 'assistant');
    assert.equal(new Set(replies.map((event) => event.message.id)).size, replies.length);
  });

  it('sees presence across nodes', async () => {
    const admin = apiClient(nodeA.url, adminToken);
    const carol = (await admin.post('/api/users', { name: `carol-${randomBytesHex().slice(0, 8)}`, role: 'operator' })).body;
    const carolToken = (await admin.post(`/api/users/${carol.id}/tokens`, { name: 'test' })).body.token;
    const carolsConversation = (await apiClient(nodeB.url, carolToken).post('/api/conversations', { title: 'carol' })).body.id;
    const carolOnB = await connectSocket(nodeB.url, carolToken);
    await request(carolOnB, 'conversation:join', { conversationId: carolsConversation });
    const announced = nextEvent(carolOnB, 'presence', (event) => event.users.length === 2);
    const joined = await request(onA, 'conversation:join', { conversationId: carolsConversation });
    // The join on A sees carol, who is connected to B, and B's client is told about A's.
    const userIds = joined.data.users.map((user: { userId: string }) => user.userId);
    assert.equal(userIds.length, 2);
    assert.ok(userIds.includes(carol.id));
    assert.equal((await announced).conversationId, carolsConversation);
  });

  it('keeps serving local clients while Redis is down and resumes cross-node delivery after', async () => {
    const secondOnA = await connectSocket(nodeA.url, adminToken);
    const secondOnB = await connectSocket(nodeB.url, adminToken);
    for (const socket of [secondOnA, secondOnB]) await request(socket, 'conversation:join', { conversationId });

    await redis.stop();
    for (const [sender, receiver, label] of [
      [onA, secondOnA, 'local on A'],
      [onB, secondOnB, 'local on B'],
    ] as const) {
      const arriving = nextEvent(receiver, 'message:new', (event) => event.message.content === label);
      const ack = await request(sender, 'message:send', { conversationId, content: label, clientMessageId: randomUUID() });
      assert.ok(ack.data.created);
      await arriving;
    }
    for (const node of [nodeA, nodeB]) assert.equal(node.child.exitCode, null);
    // New connections and REST posts still work and are delivered locally.
    const late = await connectSocket(nodeB.url, adminToken);
    assert.ok((await request(late, 'conversation:join', { conversationId })).data);
    const restLocal = nextEvent(late, 'message:new', (event) => event.message.content === 'REST on B without Redis');
    const posted = await apiClient(nodeB.url, adminToken).post(`/api/conversations/${conversationId}/messages`, {
      content: 'REST on B without Redis',
    });
    assert.equal(posted.status, 201);
    await restLocal;

    await redis.start();
    // Cross-node delivery resumes once both nodes have reconnected and resubscribed: keep
    // sending through B until a message reaches A (bounded).
    const deadline = Date.now() + 30_000;
    let resumed = false;
    for (let attempt = 0; !resumed && Date.now() < deadline; attempt += 1) {
      const label = `after redis returned ${attempt}`;
      const arriving = nextEvent(onA, 'message:new', (event) => event.message.content === label, 1_000).then(
        () => true,
        () => false,
      );
      await request(onB, 'message:send', { conversationId, content: label, clientMessageId: randomUUID() });
      resumed = await arriving;
    }
    assert.ok(resumed, 'cross-node delivery did not resume within 30 s after Redis returned');
    assert.equal(nodeA.child.exitCode, null);
    assert.equal(nodeB.child.exitCode, null);
  });
});

function randomBytesHex(): string {
  return randomUUID().replaceAll('-', '');
}

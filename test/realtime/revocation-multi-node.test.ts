/**
 * Revocation and role changes across two nodes (separate processes, one PostgreSQL database,
 * one private Redis): after `DELETE /api/tokens/:id` returns on node A, the token's sockets on
 * both nodes are disconnected and no room broadcast reaches them, and node B's REST refuses
 * the token (the delay is printed, not asserted); a user lowered to viewer on A is refused an
 * operator-only create on B at once.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
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

function disconnected(socket: ClientSocket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

describe('revocation and role changes on every node', { skip, timeout: 600_000 }, () => {
  const adminToken = `vig_revoke_${randomBytes(12).toString('hex')}`;
  let redis: RedisProcess;
  let database: Awaited<ReturnType<typeof cloneDatabase>>;
  let nodeA: NodeProcess;
  let nodeB: NodeProcess;

  async function userWithTokens(name: string, count: number): Promise<{ userId: string; tokens: { id: string; token: string }[] }> {
    const admin = apiClient(nodeA.url, adminToken);
    const user = await admin.post('/api/users', { name, role: 'operator' });
    assert.equal(user.status, 201);
    const tokens = [];
    for (let index = 0; index < count; index += 1) {
      const minted = await admin.post(`/api/users/${user.body.id}/tokens`, { name: `t${index}` });
      assert.equal(minted.status, 201);
      tokens.push({ id: minted.body.info.id as string, token: minted.body.token as string });
    }
    return { userId: user.body.id, tokens };
  }

  before(async () => {
    redis = new RedisProcess(await freePort());
    await redis.start();
    database = await cloneDatabase(process.env.DATABASE_URL!);
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, ADMIN_TOKEN: adminToken, DATABASE_POOL_SIZE: '4' };
    const started = await Promise.allSettled([startNode(env), startNode(env)]);
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) {
      await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
      throw failure.reason;
    }
    [nodeA, nodeB] = started.map((result) => (result as PromiseFulfilledResult<NodeProcess>).value) as [NodeProcess, NodeProcess];
  });
  after(async () => {
    closeAllSockets();
    await Promise.all([nodeA?.stop(), nodeB?.stop()]);
    await redis?.stop();
    await database?.drop();
  });

  it('disconnects the revoked token everywhere before any later broadcast, and node B refuses it', async () => {
    const { tokens } = await userWithTokens('revoke-me', 2);
    const [revoked, witness] = tokens as [{ id: string; token: string }, { id: string; token: string }];
    const conversationId = (await apiClient(nodeA.url, witness.token).post('/api/conversations', { title: 'revocation' })).body.id as string;
    const revokedA = await connectSocket(nodeA.url, revoked.token);
    const revokedB = await connectSocket(nodeB.url, revoked.token);
    const witnessA = await connectSocket(nodeA.url, witness.token);
    const witnessB = await connectSocket(nodeB.url, witness.token);
    for (const socket of [revokedA, revokedB, witnessA, witnessB]) assert.ok((await request(socket, 'conversation:join', { conversationId })).data);
    // Node B has the token cached as valid before the revoke.
    assert.equal((await apiClient(nodeB.url, revoked.token).get('/api/conversations')).status, 200);
    const seenA = recordEvents(revokedA, 'message:new');
    const seenB = recordEvents(revokedB, 'message:new');
    const goneA = disconnected(revokedA);
    const goneB = disconnected(revokedB);

    const revoke = await apiClient(nodeA.url, adminToken).delete(`/api/tokens/${revoked.id}`);
    assert.equal(revoke.status, 200);
    const returnedAt = performance.now();
    let refusedAfterMs = -1;
    let polls = 0;
    for (let attempt = 0; attempt < 500; attempt += 1) {
      polls += 1;
      const status = (await apiClient(nodeB.url, revoked.token).get('/api/conversations')).status;
      if (status === 401) {
        refusedAfterMs = performance.now() - returnedAt;
        break;
      }
      assert.equal(status, 200);
    }
    // Broadcasts sent after the revoke returned, from both nodes.
    const fromB = nextEvent(witnessA, 'message:new', (event) => event.message.content === 'after revoke via B');
    await request(witnessB, 'message:send', { conversationId, content: 'after revoke via B', clientMessageId: randomUUID() });
    const fromA = nextEvent(witnessB, 'message:new', (event) => event.message.content === 'after revoke via A');
    await apiClient(nodeA.url, witness.token).post(`/api/conversations/${conversationId}/messages`, { content: 'after revoke via A' });
    await Promise.all([fromA, fromB]);
    assert.deepEqual(await Promise.all([goneA, goneB]), ['io server disconnect', 'io server disconnect']);
    assert.deepEqual([...seenA, ...seenB].map((event) => event.message.content).filter((content) => content.startsWith('after revoke')), []);
    assert.notEqual(refusedAfterMs, -1, 'node B never refused the revoked token');
    // Measured, not asserted (timings vary with load): the target is 100 ms.
    console.log(JSON.stringify({ revokedTokenRefusedOnNodeBAfterMs: Number(refusedAfterMs.toFixed(1)), polls }));
    // The witness token of the same user is untouched.
    assert.equal((await apiClient(nodeB.url, witness.token).get('/api/conversations')).status, 200);
    assert.ok(witnessA.connected && witnessB.connected);
  });

  it('refuses an operator-only create on node B as soon as the role is lowered on node A', async () => {
    const { userId, tokens } = await userWithTokens('demote-me', 1);
    const token = tokens[0]!.token;
    const onB = apiClient(nodeB.url, token);
    const document = (title: string) => ({ title, content: 'runbook text' });
    assert.equal((await onB.post('/api/documents', document('before'))).status, 201);
    const socketB = await connectSocket(nodeB.url, token);
    const goneB = disconnected(socketB);

    const patched = await apiClient(nodeA.url, adminToken).patch(`/api/users/${userId}`, { role: 'viewer' });
    assert.equal(patched.status, 200);
    const refused = await onB.post('/api/documents', document('after'));
    assert.equal(refused.status, 403);
    assert.equal((await onB.get('/api/conversations')).status, 200);
    assert.equal(await goneB, 'io server disconnect');
  });

  it('refuses a change of a bad id with 400 and leaves other tokens alone', async () => {
    const admin = apiClient(nodeA.url, adminToken);
    assert.equal((await admin.delete('/api/tokens/not-a-uuid')).status, 400);
    assert.equal((await admin.patch('/api/users/not-a-uuid', { role: 'viewer' })).status, 400);
    assert.equal((await apiClient(nodeB.url, adminToken).get('/api/conversations')).status, 200);
  });
});

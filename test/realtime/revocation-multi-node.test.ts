/**
 * Revocation and role changes across two nodes (separate processes, one PostgreSQL database,
 * one private Redis): after `DELETE /api/tokens/:id` returns on node A, the token's sockets on
 * both nodes are disconnected and no room broadcast reaches them, and node B's REST refuses
 * the token (the delay is printed, not asserted); a user lowered to viewer on A is refused an
 * operator-only create on B at once, also when the role is lowered by `vigie users role` (a
 * separate process that publishes the change through Redis). The measured delays are printed
 * as one JSON line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

/** When (performance.now()) a socket was disconnected by the server. */
function disconnectedAt(socket: ClientSocket): Promise<number> {
  return new Promise((resolve) => socket.once('disconnect', () => resolve(performance.now())));
}

const CLI_ENTRY = pathToFileURL(path.resolve(import.meta.dirname, '../../src/cli/main.ts')).href;

/** Runs `vigie <args>` from the sources (tsx) as its own process, with only `env` set. */
function runVigie(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const loader = `const { runCli } = await import(${JSON.stringify(CLI_ENTRY)}); await runCli([process.execPath, 'vigie', ...process.argv.slice(1)]);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', loader, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vigie ${args.join(' ')} did not finish: ${stderr}`));
    }, 120_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
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
    const conversationId = (await apiClient(nodeA.url, witness.token).post('/api/conversations', { title: 'revocation' })).body
      .id as string;
    const revokedA = await connectSocket(nodeA.url, revoked.token);
    const revokedB = await connectSocket(nodeB.url, revoked.token);
    const witnessA = await connectSocket(nodeA.url, witness.token);
    const witnessB = await connectSocket(nodeB.url, witness.token);
    for (const socket of [revokedA, revokedB, witnessA, witnessB])
      assert.ok((await request(socket, 'conversation:join', { conversationId })).data);
    // Node B has the token cached as valid before the revoke.
    assert.equal((await apiClient(nodeB.url, revoked.token).get('/api/conversations')).status, 200);
    const seenA = recordEvents(revokedA, 'message:new');
    const seenB = recordEvents(revokedB, 'message:new');
    const goneA = disconnected(revokedA);
    const goneB = disconnected(revokedB);
    const goneAtA = disconnectedAt(revokedA);
    const goneAtB = disconnectedAt(revokedB);

    const revokeSentAt = performance.now();
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
    assert.deepEqual(
      [...seenA, ...seenB].map((event) => event.message.content).filter((content) => content.startsWith('after revoke')),
      [],
    );
    assert.notEqual(refusedAfterMs, -1, 'node B never refused the revoked token');
    // Measured, not asserted (timings vary with load): the target is 100 ms. Socket times
    // are from when the revoke was sent (negative after-return values: gone before it returned).
    const [socketGoneA, socketGoneB] = await Promise.all([goneAtA, goneAtB]);
    const ms = (value: number) => Number(value.toFixed(1));
    console.log(
      JSON.stringify({
        revocation: {
          revokeRoundTripMs: ms(returnedAt - revokeSentAt),
          restRefusedOnNodeBAfterReturnMs: ms(refusedAfterMs),
          restPollsOnNodeB: polls,
          socketOnNodeADisconnectedAfterSendMs: ms(socketGoneA - revokeSentAt),
          socketOnNodeBDisconnectedAfterSendMs: ms(socketGoneB - revokeSentAt),
          socketOnNodeBDisconnectedAfterReturnMs: ms(socketGoneB - returnedAt),
          broadcastsAfterReturnSeen: 0,
          loadAverage: os.loadavg()[0],
        },
      }),
    );
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

  it('applies `vigie users role` (another process, through Redis) on both nodes at once', async () => {
    const { tokens } = await userWithTokens('demote-cli', 1);
    const token = tokens[0]!.token;
    const document = (title: string) => ({ title, content: 'runbook text' });
    for (const node of [nodeA, nodeB])
      assert.equal((await apiClient(node.url, token).post('/api/documents', document('before'))).status, 201);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vigie-role-cli-'));
    const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, DATA_DIR: dataDir, AUTO_MIGRATE: 'false' };
    try {
      const bad = await runVigie(['users', 'role', 'demote-cli', 'root'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /role must be one of viewer, operator, admin/);
      const unknown = await runVigie(['users', 'role', 'nobody-here', 'viewer'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /User not found/);
      const lowered = await runVigie(['users', 'role', 'demote-cli', 'viewer'], env);
      assert.equal(lowered.code, 0, lowered.stderr);
      assert.match(lowered.stdout, /demote-cli is now viewer/);
      const exitedAt = performance.now();
      const refused = await Promise.all([nodeA, nodeB].map((node) => apiClient(node.url, token).post('/api/documents', document('after'))));
      const refusedAfterMs = performance.now() - exitedAt;
      assert.deepEqual(
        refused.map((response) => response.status),
        [403, 403],
      );
      console.log(
        JSON.stringify({ roleChangeByCli: { operatorCreateRefusedOnBothNodesAfterCliExitMs: Number(refusedAfterMs.toFixed(1)) } }),
      );
      assert.equal((await apiClient(nodeB.url, token).get('/api/conversations')).status, 200);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a change of a bad id with 400 and leaves other tokens alone', async () => {
    const admin = apiClient(nodeA.url, adminToken);
    assert.equal((await admin.delete('/api/tokens/not-a-uuid')).status, 400);
    assert.equal((await admin.patch('/api/users/not-a-uuid', { role: 'viewer' })).status, 400);
    assert.equal((await apiClient(nodeB.url, adminToken).get('/api/conversations')).status, 200);
  });
});

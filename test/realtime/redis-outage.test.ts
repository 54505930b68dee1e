/**
 * Redis stopped (SIGKILL, it comes back empty) and restarted under traffic, on a private
 * redis-server: REST routes that need Redis (durable executions, queued on BullMQ) answer 503
 * `unavailable` with Retry-After and their execution is failed, never stuck; socket acks that
 * need Redis say `unavailable`; routes and events that do not need it keep working; after the
 * restart the app recovers on its own, and everything acknowledged is done: durable jobs
 * Redis lost are requeued from their `queued` rows and run, every acked message is stored.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Database } from '../../src/db/database.js';
import { connectRedis } from '../../src/redis.js';
import { createRealtimeGateway, type RealtimeGateway } from '../../src/server/realtime/gateway.js';
import { defineTool, type Toolset } from '../../src/tools/tool-contract.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { closeAllSockets, connectSocket, request } from './support/socket-client.js';
import { RedisProcess } from './support/redis-process.js';

const PORT = Number(process.env.VIGIE_OUTAGE_REDIS_PORT ?? 41_011);

/** Durable tools whose runs wait on a gate the test opens, so jobs sit in Redis when it dies. */
function gatedToolset(gate: { open: Promise<void> }): Toolset {
  const schema = z.strictObject({ tag: z.string().max(40) });
  return {
    name: 'outage_jobs',
    description: 'Durable test jobs',
    instructions: 'Test tools.',
    async checkPrerequisites() {
      return { ok: true };
    },
    tools: [
      defineTool({
        name: 'gated_job',
        description: 'A durable read job that waits for the gate',
        inputSchema: schema,
        outputSchema: z.unknown(),
        risk: 'read',
        minRole: 'viewer',
        timeoutMs: 60_000,
        durable: true,
        async execute(input) {
          await gate.open;
          return { status: 'success', data: { tag: input.tag } };
        },
      }),
      defineTool({
        name: 'gated_change',
        description: 'A durable mutating job (needs approval)',
        inputSchema: schema,
        outputSchema: z.unknown(),
        risk: 'mutate',
        minRole: 'operator',
        timeoutMs: 60_000,
        durable: true,
        async execute(input) {
          return { status: 'success', data: { tag: input.tag } };
        },
      }),
    ],
  };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe(
  'Redis outage',
  {
    timeout: 240_000,
    skip: process.env.REDIS_URL ? false : 'needs redis-server (runs with REDIS_URL set)',
  },
  () => {
    const server = new RedisProcess(PORT);
    let redis: Redis;
    let database: Database;
    let harness: TestApp;
    let gateway: RealtimeGateway;
    let openGate: () => void = () => undefined;
    const gate = { open: new Promise<void>((resolve) => (openGate = resolve)) };

    before(async () => {
      await server.start();
      database = await testBackends().at(-1)!.open();
      redis = await connectRedis(server.url, pino({ level: 'silent' }));
      harness = await startTestApp(database, {
        redis,
        tools: {
          toolsets: [gatedToolset(gate)],
          redisUrl: server.url,
          requeueAfterMs: 1_000,
        },
      });
      const { app } = harness;
      gateway = createRealtimeGateway({
        server: app.server,
        context: app.context,
        registry: app.metrics,
        logger: pino({ level: 'silent' }),
        redis,
        executions: app.tools.approvals,
      });
      await app.tools.start();
    });
    after(async () => {
      openGate();
      closeAllSockets();
      await gateway?.close();
      await harness?.close();
      redis?.disconnect();
      await database?.close();
      await server.stop();
    });

    it('answers 503 for what needs Redis while down, recovers after, and loses nothing it acknowledged', async () => {
      const operator = await harness.createUser('operator');
      const api = apiClient(harness.url, operator.token);
      const conversationId = (await api.post('/api/conversations', { title: 'redis outage' })).body.id as string;
      const socket = await connectSocket(harness.url, operator.token);
      assert.ok((await request(socket, 'conversation:join', { conversationId })).data);

      const tally = {
        requests: 0,
        emits: 0,
        unavailable: 0,
        unavailableAcks: 0,
        serverErrors: [] as string[],
        other: [] as string[],
      };
      const ackedJobs: string[] = [];
      const refusedTraces: string[] = [];
      const ackedMessages: string[] = [];
      const job = async (phase: string, index: number, expectDown: boolean) => {
        const traceId = `redis-outage-${phase}-${index}-${randomUUID().slice(0, 8)}`;
        const response = await api.post(
          '/api/commands',
          { tool: 'gated_job', args: { tag: `${phase}${index}` } },
          { headers: { 'x-request-id': traceId } },
        );
        tally.requests += 1;
        if (response.status === 202 && response.body.status === 'queued') ackedJobs.push(response.body.id);
        else if (response.status === 503 && response.body?.error?.code === 'unavailable' && response.headers.get('retry-after')) {
          tally.unavailable += 1;
          refusedTraces.push(traceId);
        } else if (response.status >= 500) tally.serverErrors.push(`${response.status} ${response.text.slice(0, 120)}`);
        else tally.other.push(`${phase}: ${response.status} ${response.text.slice(0, 120)}`);
        if (expectDown && response.status !== 503) tally.other.push(`${phase}: expected 503, got ${response.status}`);
      };
      const message = async (phase: string, index: number) => {
        const content = `message ${phase}${index}`;
        const response = await api.post(`/api/conversations/${conversationId}/messages`, { content });
        tally.requests += 1;
        if (response.status === 201) ackedMessages.push(content);
        else if (response.status >= 500) tally.serverErrors.push(`${response.status} ${response.text.slice(0, 120)}`);
        else tally.other.push(`${phase}: message ${response.status} ${response.text.slice(0, 120)}`);
      };
      const wave = (phase: string, size: number, expectDown = false) =>
        Promise.all(Array.from({ length: size }, (_unused, index) => Promise.all([job(phase, index, expectDown), message(phase, index)])));

      // Up: jobs acknowledged and parked in Redis behind the gate; changes waiting for approval.
      await wave('A', 20);
      const pending: string[] = [];
      for (let index = 0; index < 10; index += 1) {
        const proposed = await api.post('/api/commands', {
          tool: 'gated_change',
          args: { tag: `P${index}` },
        });
        tally.requests += 1;
        assert.equal(proposed.status, 202, proposed.text);
        pending.push(proposed.body.id);
      }
      assert.equal(ackedJobs.length, 20);

      // Down: Redis killed with its queue (it returns empty).
      await server.stop();
      await until(async () => (redis.status === 'ready' ? undefined : true), 10_000, 'the app noticed Redis is gone');
      await wave('B', 20, true);
      // Socket: messages need no Redis (acked, delivered locally); approving a durable change does.
      for (let index = 0; index < 20; index += 1) {
        const content = `emit B${index}`;
        const ack = await request(socket, 'message:send', {
          conversationId,
          content,
          clientMessageId: randomUUID(),
        });
        tally.emits += 1;
        if (ack.data) ackedMessages.push(content);
        else tally.other.push(`emit message: ${JSON.stringify(ack).slice(0, 120)}`);
      }
      for (const executionId of pending) {
        const ack = await request(socket, 'execution:approve', { executionId });
        tally.emits += 1;
        if (ack.error?.code === 'unavailable') tally.unavailableAcks += 1;
        else tally.other.push(`emit approve: ${JSON.stringify(ack).slice(0, 160)}`);
      }
      for (const traceId of refusedTraces) {
        const row = await database.prisma.execution.findFirst({
          where: { traceId },
        });
        if (row) assert.equal(row.status, 'failed', `a refused job is failed, not ${row.status}`);
      }
      for (const executionId of pending) {
        const row = await database.prisma.execution.findUniqueOrThrow({
          where: { id: executionId },
        });
        assert.equal(row.status, 'failed', `an approval Redis refused is failed (${JSON.stringify(tally.other)})`);
      }

      // Back: the app reconnects on its own; the parked jobs Redis lost are requeued and run.
      await server.start();
      await until(
        async () => ((await api.get('/api/commands')).status === 200 && redis.status === 'ready' ? true : undefined),
        30_000,
        'Redis client ready',
      );
      await until(
        async () => {
          const response = await api.post('/api/commands', {
            tool: 'gated_job',
            args: { tag: 'probe' },
          });
          tally.requests += 1;
          if (response.status === 202) {
            ackedJobs.push(response.body.id);
            return true;
          }
          if (response.status >= 500 && response.status !== 503)
            tally.serverErrors.push(`${response.status} ${response.text.slice(0, 120)}`);
          return undefined;
        },
        30_000,
        'durable jobs accepted again',
      );
      await wave('C', 20);
      openGate();
      const unfinished = await until(
        async () => {
          const rows = await database.prisma.execution.findMany({
            where: { id: { in: ackedJobs } },
            select: { status: true },
          });
          return rows.length === ackedJobs.length && rows.every((row) => row.status === 'succeeded') ? [] : undefined;
        },
        90_000,
        'every acknowledged job succeeded',
      ).catch(async (error: Error) => {
        const rows = await database.prisma.execution.groupBy({
          by: ['status'],
          where: { id: { in: ackedJobs } },
          _count: true,
        });
        throw new Error(`${error.message}: ${JSON.stringify(rows)}`);
      });
      const storedMessages = await database.prisma.message.findMany({
        where: { conversationId },
        select: { content: true },
      });
      const stored = new Set(storedMessages.map((row) => row.content));
      const lostMessages = ackedMessages.filter((content) => !stored.has(content));
      const stuck = await database.prisma.execution.count({
        where: {
          status: { in: ['queued', 'running'] },
          tool: { in: ['gated_job', 'gated_change'] },
        },
      });
      const succeededEvents = await database.prisma.auditEvent.count({
        where: {
          executionId: { in: ackedJobs },
          action: 'execution.succeeded',
        },
      });
      console.log(
        JSON.stringify({
          redisOutage: {
            requests: tally.requests,
            emits: tally.emits,
            unavailable503: tally.unavailable,
            unavailableAcks: tally.unavailableAcks,
            serverErrors: tally.serverErrors.length,
            ackedJobs: ackedJobs.length,
            ackedMessages: ackedMessages.length,
            lost: lostMessages.length + unfinished.length + (ackedJobs.length - succeededEvents),
            stuck,
          },
        }),
      );
      assert.deepEqual(tally.serverErrors, [], 'no 5xx other than 503 unavailable');
      assert.deepEqual(tally.other, []);
      assert.equal(tally.unavailable, 20, 'every durable job sent while down was answered 503');
      assert.equal(tally.unavailableAcks, 10);
      assert.deepEqual(lostMessages, []);
      assert.equal(succeededEvents, ackedJobs.length, 'every acknowledged job has its succeeded audit event');
      assert.equal(stuck, 0, 'no execution left queued or running');
    });
  },
);

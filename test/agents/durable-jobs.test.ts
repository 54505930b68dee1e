/**
 * Durable executions on BullMQ (REDIS_URL): a job queued by one node is run by another
 * node's worker, progress reaches the row, and a job enqueued while no worker runs is taken
 * when a worker starts (a restart). Skips cleanly without REDIS_URL. Also the channel
 * allowlist for chat platforms.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { Database } from '../../src/db/database.js';
import { BullMqJobQueue } from '../../src/tools/pipeline/bullmq-job-queue.js';
import { parseChannelAllowlist } from '../../src/tools/pipeline/channel-allowlist.js';
import { channelAllows } from '../../src/auth/policy.js';
import { createToolRuntime, type ToolRuntime } from '../../src/tools/pipeline/tool-runtime.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, waitFor, type ToolCalls } from './support/test-toolsets.js';

const redisUrl = process.env.REDIS_URL;
const logger = pino({ level: 'silent' });

describe('durable execution jobs on BullMQ', { skip: !redisUrl && 'REDIS_URL not set' }, () => {
  let database: Database;
  const runtimes: ToolRuntime[] = [];
  const queueName = `vigie-test-${randomUUID()}`;
  const node = (withWorker: boolean) => {
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const runtime = createToolRuntime({
      toolsets: [testOpsToolset(calls)],
      database,
      audit: new AuditLog(database.sql),
      logger,
      jobs: new BullMqJobQueue(redisUrl!, logger, queueName, 2),
    });
    runtimes.push(runtime);
    return { runtime, start: withWorker ? () => runtime.start() : async () => undefined };
  };

  before(async () => {
    database = await testBackends().at(-1)!.open();
  });
  after(async () => {
    for (const runtime of runtimes) await runtime.close();
    await database.close();
  });

  it('runs a job queued on one node on another node, and survives a worker restart', async () => {
    const producer = node(false);
    const principal = { userId: randomUUID(), userName: 'jobs', role: 'viewer' as const, tokenId: null };
    const queued = await producer.runtime.executions.request(principal, { tool: 'long_sweep', args: { steps: 2 }, channel: 'api' });
    assert.equal(queued.status, 'queued');
    // No worker yet (the "restarted" node is down): the job waits in Redis.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await database.prisma.execution.findUniqueOrThrow({ where: { id: queued.id } })).status, 'queued');
    const worker = node(true);
    await worker.start();
    const done = await waitFor(async () => {
      const row = await database.prisma.execution.findUniqueOrThrow({ where: { id: queued.id } });
      return row.status === 'succeeded' ? row : undefined;
    }, 20_000);
    assert.deepEqual((done.result as { data: { steps: number } }).data.steps, 2);
    assert.deepEqual(done.progress, { message: 'step 2', fraction: 1 });
  });
});

describe('channel allowlists', () => {
  it('restricts chat platforms that have one and leaves the others open', () => {
    const allowlist = parseChannelAllowlist('{"slack":{"C1":["core"],"C2":["*"]}}');
    assert.equal(
      channelAllows({ allowlist, channel: 'slack', externalIds: { channelId: 'C1' }, tool: 'system_status', toolset: 'core' }),
      true,
    );
    assert.equal(
      channelAllows({ allowlist, channel: 'slack', externalIds: { channelId: 'C1' }, tool: 'restart_service', toolset: 'test_ops' }),
      false,
    );
    assert.equal(
      channelAllows({ allowlist, channel: 'slack', externalIds: { channelId: 'C2' }, tool: 'restart_service', toolset: 'test_ops' }),
      true,
    );
    assert.equal(
      channelAllows({ allowlist, channel: 'slack', externalIds: { channelId: 'C9' }, tool: 'system_status', toolset: 'core' }),
      false,
    );
    assert.equal(channelAllows({ allowlist, channel: 'slack', externalIds: undefined, tool: 'system_status', toolset: 'core' }), false);
    assert.equal(
      channelAllows({ allowlist, channel: 'discord', externalIds: { channelId: 'D1' }, tool: 'restart_service', toolset: 'test_ops' }),
      true,
    );
    assert.equal(channelAllows({ allowlist, channel: 'api', externalIds: undefined, tool: 'restart_service', toolset: 'test_ops' }), true);
    assert.throws(() => parseChannelAllowlist('{not json'), /TOOL_CHANNEL_ALLOWLIST/);
    assert.throws(() => parseChannelAllowlist('{"slack":{"C1":"core"}}'), /TOOL_CHANNEL_ALLOWLIST/);
  });
});

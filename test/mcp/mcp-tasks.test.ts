/**
 * MCP tasks on every backend, with the SDK's own client over real Streamable HTTP and through
 * `vigie mcp serve --stdio`: a mutating call made as a task stays `working` (with where to
 * approve) until another operator approves it in the console (socket) or over REST, then
 * completes with the result; a denied one fails saying who denied it; tasks are the caller's
 * own (listed, cancelled, invisible to others) and bad task ids are refused cleanly.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, CreateTaskResultSchema, type CallToolResult, type Task } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { createRealtimeGateway, type RealtimeGateway } from '../../src/server/realtime/gateway.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { testOpsToolset, type ToolCalls } from '../agents/support/test-toolsets.js';
import { apiClient } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { connectSocket, request } from '../realtime/support/socket-client.js';

const root = path.resolve(import.meta.dirname, '../..');
const ENTRY = path.join(import.meta.dirname, 'support', 'cli-entry.ts');

interface Streamed {
  created?: Task;
  statuses: Task[];
  result?: CallToolResult;
  error?: Error;
}

/** Runs a task-augmented call to the end, calling `onWorking` once at the first `working` status. */
async function runTask(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  onWorking: (task: Task) => Promise<void>,
): Promise<Streamed> {
  const seen: Streamed = { statuses: [] };
  let decided = false;
  for await (const message of client.experimental.tasks.callToolStream({ name, arguments: args })) {
    if (message.type === 'taskCreated') seen.created = message.task;
    else if (message.type === 'taskStatus') {
      seen.statuses.push(message.task);
      if (message.task.status === 'working' && !decided) {
        decided = true;
        await onWorking(message.task);
      }
    } else if (message.type === 'result') seen.result = message.result as CallToolResult;
    else if (message.type === 'error') seen.error = message.error;
  }
  return seen;
}

for (const backend of testBackends()) {
  describe(`MCP tasks on ${backend.name}`, { timeout: 120_000 }, () => {
    let harness: TestApp;
    let gateway: RealtimeGateway;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const clients: Client[] = [];
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    let carol: { id: string; token: string };

    before(async () => {
      const database = await backend.open();
      harness = await startTestApp(database, {
        tools: { toolsets: [coreToolset(database), testOpsToolset(calls)] },
        mcp: { reconcileMs: 0, taskPollMs: 100 },
      });
      await harness.app.tools.start();
      gateway = createRealtimeGateway({
        server: harness.app.server,
        context: harness.app.context,
        registry: harness.app.metrics,
        logger: pino({ level: 'silent' }),
        executions: harness.app.tools.approvals,
      });
      alice = await harness.createUser('operator', `alice-tasks-${backend.name}`);
      bob = await harness.createUser('operator', `bob-tasks-${backend.name}`);
      carol = await harness.createUser('operator', `carol-tasks-${backend.name}`);
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await gateway.close();
      await harness.close();
      await harness.database.close();
    });

    const connect = async (transport: Transport) => {
      const client = new Client({ name: 'vigie-tasks-test', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      await client.listTools();
      return client;
    };
    const overHttp = (token: string) =>
      connect(
        new StreamableHTTPClientTransport(new URL(`${harness.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
    const overStdio = (token: string) =>
      connect(
        new StdioClientTransport({
          command: process.execPath,
          args: ['--import', 'tsx', ENTRY, 'mcp', 'serve', '--stdio'],
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '/tmp',
            VIGIE_URL: harness.url,
            VIGIE_TOKEN: token,
            LOG_LEVEL: 'silent',
          },
          cwd: root,
          stderr: 'pipe',
        }),
      );

    it('declares tasks and marks mutating tools as task-capable', async () => {
      const client = await overHttp(alice.token);
      const tasks = client.getServerCapabilities()?.tasks;
      assert.ok(tasks?.requests?.tools?.call && tasks.list && tasks.cancel, JSON.stringify(tasks));
      const { tools } = await client.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      assert.equal(byName.get('restart_service')?.execution?.taskSupport, 'optional');
      assert.equal(byName.get('wipe_disk')?.execution?.taskSupport, 'optional');
      assert.equal(byName.get('system_status')?.execution?.taskSupport, undefined);
    });

    it('over HTTP: a disruptive call is a working task until another operator approves it in the console, then completes', async () => {
      const client = await overHttp(alice.token);
      const streamed = await runTask(client, 'wipe_disk', { device: 'sdt' }, async (task) => {
        assert.match(task.statusMessage ?? '', /Waiting for approval: Waiting for an operator other than the requester/);
        assert.match(task.statusMessage ?? '', new RegExp(`/\\?execution=${task.taskId}`));
        assert.equal(task.pollInterval, 100);
        assert.deepEqual(calls.wipes, []);
        const socket = await connectSocket(harness.url, bob.token);
        try {
          const ack = await request(socket, 'execution:approve', { executionId: task.taskId });
          assert.equal(ack.error, undefined, JSON.stringify(ack.error));
        } finally {
          socket.close();
        }
      });
      assert.equal(streamed.error, undefined, String(streamed.error));
      assert.equal(streamed.statuses.at(-1)?.status, 'completed');
      assert.match(streamed.statuses.at(-1)?.statusMessage ?? '', new RegExp(`Approved by bob-tasks-${backend.name}`));
      const structured = streamed.result!.structuredContent as { executionId: string; status: string; result: { data: { wiped: string } } };
      assert.equal(structured.executionId, streamed.created!.taskId);
      assert.equal(structured.status, 'succeeded');
      assert.equal(structured.result.data.wiped, 'sdt');
      assert.deepEqual(calls.wipes, ['sdt']);
      const row = await harness.database.prisma.execution.findUniqueOrThrow({ where: { id: streamed.created!.taskId } });
      assert.equal(row.channel, 'mcp');
      assert.equal(row.requesterId, alice.id);
      assert.equal(row.approverId, bob.id);
    });

    it('over HTTP: a denied call fails the task saying who denied it', async () => {
      const client = await overHttp(alice.token);
      const streamed = await runTask(client, 'restart_service', { service: 'nginx-denied' }, async (task) => {
        const denied = await apiClient(harness.url, bob.token).post(`/api/executions/${task.taskId}/deny`);
        assert.equal(denied.status, 200, denied.text);
      });
      const last = streamed.statuses.at(-1)!;
      assert.equal(last.status, 'failed');
      assert.match(last.statusMessage ?? '', new RegExp(`^Denied by bob-tasks-${backend.name}`));
      assert.match(String(streamed.error), /failed/);
      // The result of a failed task is the denied execution, as an error.
      const result = (await client.experimental.tasks.getTaskResult(last.taskId, CallToolResultSchema)) as CallToolResult;
      assert.equal(result.isError, true);
      assert.equal((result.structuredContent as { status: string }).status, 'denied');
      assert.ok(!calls.restarts.includes('nginx-denied'));
    });

    it('keeps tasks to their requester: listed, cancellable, invisible to others; bad ids refused', async () => {
      const client = await overHttp(alice.token);
      const created = await client.request(
        { method: 'tools/call', params: { name: 'restart_service', arguments: { service: 'nginx-cancel' }, task: {} } },
        CreateTaskResultSchema,
      );
      const taskId = created.task.taskId;
      assert.equal(created.task.status, 'working');
      const listed = await client.experimental.tasks.listTasks();
      assert.ok(listed.tasks.some((task) => task.taskId === taskId));
      const other = await overHttp(carol.token);
      await assert.rejects(other.experimental.tasks.getTask(taskId), /not found/i);
      assert.ok(!(await other.experimental.tasks.listTasks()).tasks.some((task) => task.taskId === taskId));
      await assert.rejects(other.experimental.tasks.cancelTask(taskId), /not found/i);
      for (const bad of ['not-a-uuid', '', 'x\u0000y', '\ud800', '%zz', 'a'.repeat(100_000)]) {
        await assert.rejects(client.experimental.tasks.getTask(bad), /not found/i, JSON.stringify(bad.slice(0, 20)));
      }
      await assert.rejects(client.experimental.tasks.listTasks('not-a-cursor'), /cursor/i);
      const cancelled = await client.experimental.tasks.cancelTask(taskId);
      assert.equal(cancelled.status, 'cancelled');
      const row = await harness.database.prisma.execution.findUniqueOrThrow({ where: { id: taskId } });
      assert.equal(row.status, 'cancelled');
      await assert.rejects(client.experimental.tasks.cancelTask(taskId), /terminal/);
      // vigie_execution answers at once: it refuses to be a task; an unknown tool is a JSON-RPC error for a task.
      await assert.rejects(
        client.request(
          { method: 'tools/call', params: { name: 'vigie_execution', arguments: { id: taskId }, task: {} } },
          CreateTaskResultSchema,
        ),
        /answers at once/,
      );
      await assert.rejects(
        client.request({ method: 'tools/call', params: { name: 'no_such_tool\u0000', arguments: {}, task: {} } }, CreateTaskResultSchema),
        /unknown_tool/,
      );
    });

    it('over stdio (vigie mcp serve --stdio): the task completes once approved over REST, and fails when denied', async () => {
      const client = await overStdio(alice.token);
      assert.ok(client.getServerCapabilities()?.tasks?.requests?.tools?.call);
      const approved = await runTask(client, 'wipe_disk', { device: 'sdu' }, async (task) => {
        const response = await apiClient(harness.url, bob.token).post(`/api/executions/${task.taskId}/approve`);
        assert.equal(response.status, 200, response.text);
      });
      assert.equal(approved.error, undefined, String(approved.error));
      assert.equal((approved.result!.structuredContent as { status: string }).status, 'succeeded');
      assert.ok(calls.wipes.includes('sdu'));
      const denied = await runTask(client, 'restart_service', { service: 'nginx-stdio-denied' }, async (task) => {
        const response = await apiClient(harness.url, carol.token).post(`/api/executions/${task.taskId}/deny`);
        assert.equal(response.status, 200, response.text);
      });
      assert.equal(denied.statuses.at(-1)?.status, 'failed');
      assert.match(denied.statuses.at(-1)?.statusMessage ?? '', new RegExp(`Denied by carol-tasks-${backend.name}`));
      const row = await harness.database.prisma.execution.findUniqueOrThrow({ where: { id: denied.created!.taskId } });
      assert.equal(row.channel, 'mcp');
      assert.equal(row.status, 'denied');
    });
  });
}

/**
 * Vigie as an MCP server over real HTTP with the SDK's own client, on every backend:
 * initialize, tools listed with annotations and filtered by role, a read call, a mutating
 * call that returns the pending execution and completes once another operator approves it
 * in the console (socket), viewers seeing no mutating tool, documents as resources, 401s.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { createRealtimeGateway, type RealtimeGateway } from '../../src/server/realtime/gateway.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { testOpsToolset, type ToolCalls } from '../agents/support/test-toolsets.js';
import { apiClient, http } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { connectSocket, request } from '../realtime/support/socket-client.js';

async function mcpClient(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'vigie-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return client;
}

for (const backend of testBackends()) {
  describe(`MCP server on ${backend.name}`, () => {
    let harness: TestApp;
    let gateway: RealtimeGateway;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const clients: Client[] = [];
    let alice: { id: string; token: string };
    let bob: { id: string; token: string };
    let viewer: { id: string; token: string };

    before(async () => {
      const database = await backend.open();
      harness = await startTestApp(database, { tools: { toolsets: [coreToolset(database), testOpsToolset(calls)] } });
      await harness.app.tools.start();
      gateway = createRealtimeGateway({
        server: harness.app.server,
        context: harness.app.context,
        registry: harness.app.metrics,
        logger: pino({ level: 'silent' }),
        executions: harness.app.tools.approvals,
      });
      alice = await harness.createUser('operator', `alice-${backend.name}`);
      bob = await harness.createUser('operator', `bob-${backend.name}`);
      viewer = await harness.createUser('viewer');
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await gateway.close();
      await harness.close();
      await harness.database.close();
    });

    const connect = async (token: string) => {
      const client = await mcpClient(harness.url, token);
      clients.push(client);
      return client;
    };

    it('initializes and lists tools with titles, schemas and annotations from their risk', async () => {
      const client = await connect(alice.token);
      assert.equal(client.getServerVersion()?.name, 'vigie');
      assert.ok(client.getServerCapabilities()?.tools);
      const { tools } = await client.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      const status = byName.get('system_status')!;
      assert.equal(status.annotations?.readOnlyHint, true);
      assert.equal(typeof status.title, 'string');
      assert.equal(status.inputSchema.type, 'object');
      assert.equal(status.outputSchema?.type, 'object');
      const restart = byName.get('restart_service')!;
      assert.equal(restart.annotations?.readOnlyHint, false);
      assert.equal(restart.annotations?.destructiveHint, false);
      assert.ok(restart.inputSchema.properties && 'service' in restart.inputSchema.properties);
      assert.equal(byName.get('wipe_disk')!.annotations?.destructiveHint, true);
      assert.ok(byName.has('vigie_execution'));
      assert.ok(!byName.has('admin_only'), 'admin tools are hidden from an operator');
    });

    it('calls a read tool through the pipeline with channel mcp, audited', async () => {
      const client = await connect(viewer.token);
      const result = await client.callTool({ name: 'system_status', arguments: {} });
      assert.notEqual(result.isError, true);
      const structured = result.structuredContent as { executionId: string; status: string; result: { status: string } };
      assert.equal(structured.status, 'succeeded');
      assert.equal(structured.result.status, 'success');
      const row = await harness.database.prisma.execution.findUniqueOrThrow({ where: { id: structured.executionId } });
      assert.equal(row.channel, 'mcp');
      assert.equal(row.requesterId, viewer.id);
      await harness.app.context.audit.flush();
      const audit = await apiClient(harness.url, harness.adminToken).get(`/api/audit?executionId=${structured.executionId}&limit=10`);
      const actions = audit.body.data.map((entry: { action: string }) => entry.action);
      assert.ok(actions.includes('execution.succeeded'), JSON.stringify(actions));
      assert.ok(audit.body.data.every((entry: { channel: string }) => entry.channel === 'mcp'));
    });

    it('returns a disruptive call as pending at once; another operator approves it in the console; it completes', async () => {
      const client = await connect(alice.token);
      const pending = await client.callTool({ name: 'wipe_disk', arguments: { device: 'sdz' } });
      const structured = pending.structuredContent as {
        executionId: string;
        status: string;
        approval: { approveUrl: string; requesterMayApprove: boolean };
        arguments: { device: string };
      };
      assert.equal(structured.status, 'pending_approval');
      assert.equal(structured.arguments.device, 'sdz');
      assert.equal(structured.approval.requesterMayApprove, false);
      assert.match(structured.approval.approveUrl, new RegExp(`/api/executions/${structured.executionId}/approve$`));
      assert.deepEqual(calls.wipes, []);
      // The requester cannot approve their own disruptive call.
      const self = await apiClient(harness.url, alice.token).post(`/api/executions/${structured.executionId}/approve`);
      assert.equal(self.status, 403);
      const bobSocket = await connectSocket(harness.url, bob.token);
      try {
        const ack = await request(bobSocket, 'execution:approve', { executionId: structured.executionId });
        assert.equal(ack.error, undefined, JSON.stringify(ack.error));
      } finally {
        bobSocket.close();
      }
      const state = await client.callTool({ name: 'vigie_execution', arguments: { id: structured.executionId } });
      const done = state.structuredContent as { status: string; result: { data: { wiped: string } } };
      assert.equal(done.status, 'succeeded');
      assert.equal(done.result.data.wiped, 'sdz');
      assert.deepEqual(calls.wipes, ['sdz']);
      const row = await harness.database.prisma.execution.findUniqueOrThrow({ where: { id: structured.executionId } });
      assert.equal(row.approverId, bob.id);
      assert.equal(row.channel, 'mcp');
    });

    it('shows a viewer no mutating tool and refuses one called anyway', async () => {
      const client = await connect(viewer.token);
      const { tools } = await client.listTools();
      assert.ok(tools.length > 1);
      assert.ok(
        tools.every((tool) => tool.annotations?.readOnlyHint === true),
        tools.map((tool) => tool.name).join(','),
      );
      const refused = await client.callTool({ name: 'restart_service', arguments: { service: 'nginx' } });
      assert.equal(refused.isError, true);
      assert.match(JSON.stringify(refused.content), /forbidden: restart_service requires the operator role/);
      const bad = await client.callTool({ name: 'vigie_execution', arguments: { id: 'not-a-uuid' } });
      assert.equal(bad.isError, true);
      const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} });
      assert.equal(unknown.isError, true);
      assert.match(JSON.stringify(unknown.content), /unknown_tool/);
    });

    it('serves knowledge documents as resources, with search', async () => {
      const admin = apiClient(harness.url, harness.adminToken);
      const created = await admin.post('/api/documents', {
        title: 'Core router failover',
        content: '# Failover\nDrain BGP on the core router before the reload.',
        tags: ['network'],
      });
      assert.equal(created.status, 201, created.text);
      const client = await connect(viewer.token);
      const { resources } = await client.listResources();
      const uri = `vigie://documents/${created.body.id}`;
      assert.ok(resources.some((resource) => resource.uri === uri));
      const read = await client.readResource({ uri });
      assert.match(String((read.contents[0] as { text: string }).text), /Drain BGP/);
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.ok(resourceTemplates.some((template) => template.uriTemplate === 'vigie://documents/{id}'));
      const search = await client.readResource({ uri: 'vigie://documents?q=drain%20bgp' });
      assert.ok(JSON.parse(String((search.contents[0] as { text: string }).text)).results.some((hit: { uri: string }) => hit.uri === uri));
      await assert.rejects(client.readResource({ uri: 'vigie://documents/00000000-0000-4000-8000-000000000000' }), /No document/);
      await assert.rejects(client.readResource({ uri: 'vigie://documents?q=' }), /Search needs/);
    });

    it('answers 401 to a missing or bad token, for raw HTTP and the SDK client', async () => {
      const body = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
      const headers = { accept: 'application/json, text/event-stream' };
      const none = await http(`${harness.url}/mcp`, { method: 'POST', body, headers });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
      const bad = await http(`${harness.url}/mcp`, { method: 'POST', body, headers, token: 'vig_not_a_real_token' });
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error.code, -32001);
      await assert.rejects(mcpClient(harness.url, 'vig_wrong'), /401|Unauthorized/);
      const get = await http(`${harness.url}/mcp`, { token: viewer.token });
      assert.equal(get.status, 405);
      const notJson = await http(`${harness.url}/mcp`, {
        method: 'POST',
        raw: '{oops',
        token: viewer.token,
        headers: { ...headers, 'content-type': 'application/json' },
      });
      assert.equal(notJson.status, 400);
    });
  });
}

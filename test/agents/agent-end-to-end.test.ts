/**
 * End to end with a model over real HTTP: free text → scripted OpenAI-compatible server →
 * tool call → pipeline → audit → streamed answer, as admin, operator and viewer, through REST
 * and the console socket (real socket.io client), with the full production tool registry
 * offered. Also: a mutating call waits for another person's approval, invalid calls are
 * refused executions with audit events, a server that answers JSON to a streaming request
 * still works, LLM_STREAMING=false, routing of command-like sentences, failures that name a
 * trace id, and the per-node turn queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startAgent, type RunningAgent } from '../../src/agents/agent-wiring.js';
import { DomainEvents } from '../../src/actions/domain-events.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { Role } from '../../src/auth/roles.js';
import { loadConfig } from '../../src/config.js';
import { createToolsets } from '../support/production-toolsets.js';
import { connectSocket, nextEvent, request, type ClientSocket } from '../realtime/support/socket-client.js';
import { apiClient } from '../support/http-client.js';
import { opsChatPolicy } from '../support/ops-chat-policy.js';
import { startScriptedOpenAiServer, type ScriptedOpenAiServer } from '../support/scripted-openai-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, waitFor, type ToolCalls } from './support/test-toolsets.js';

type Message = {
  id: string;
  role: string;
  content: string;
  modelUsed: string | null;
  actionsTaken: Array<{ executionId: string; tool: string; status: string }>;
  metadata: { traceId?: string };
};

for (const backend of testBackends()) {
  describe(`agent end to end on ${backend.name}`, () => {
    let harness: TestApp;
    let server: ScriptedOpenAiServer;
    let running: RunningAgent;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const users = new Map<Role, { id: string; token: string }>();

    const startModel = (extra: Record<string, string> = {}) =>
      startAgent(
        harness.app.core,
        loadConfig({ LLM_BASE_URL: server.baseUrl, LLM_MODEL_NAME: 'scripted', LLM_TEMPERATURE: '0', ...extra }),
        pino({ level: 'silent' }),
      );

    before(async () => {
      const database = await backend.open();
      server = await startScriptedOpenAiServer(opsChatPolicy());
      const config = loadConfig({ DATA_DIR: `/tmp/vigie-h16-e2e-${process.pid}` });
      const production = createToolsets({
        config,
        database,
        logger: pino({ level: 'silent' }),
        audit: new AuditLog(database.sql),
        events: new DomainEvents(),
      });
      harness = await startTestApp(database, { gateway: true, tools: { toolsets: [...production, testOpsToolset(calls)] } });
      await harness.app.tools.start();
      await harness.app.context.knowledge.ingestBytes({
        bytes: Buffer.from('Restart the VPN concentrator after rotating keys.'),
        contentType: 'text/plain',
        title: 'VPN runbook',
      });
      for (const role of ['admin', 'operator', 'viewer'] as const)
        users.set(role, await harness.createUser(role, `e2e-${role}-${backend.name}`));
      users.set('operator2' as Role, await harness.createUser('operator', `e2e-operator2-${backend.name}`));
      running = await startModel();
    });
    after(async () => {
      running.detach();
      await harness.close();
      await harness.database.close();
      await server.close();
    });

    const conversation = async (role: Role) => {
      const api = apiClient(harness.url, users.get(role)!.token);
      const created = await api.post<{ id: string }>('/api/conversations', { title: `e2e ${role}` });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id;
    };
    const assistantReply = (role: Role, conversationId: string, after = 0) =>
      waitFor(async () => {
        const page = await apiClient(harness.url, users.get(role)!.token).get<{ data: Message[] }>(
          `/api/conversations/${conversationId}/messages?limit=100`,
        );
        const replies = page.body.data.filter((message) => message.role === 'assistant');
        return replies.length > after ? replies[after]! : undefined;
      }, 20_000);
    const auditOf = (traceId: string) => harness.database.prisma.auditEvent.findMany({ where: { traceId }, orderBy: { id: 'asc' } });

    for (const role of ['admin', 'operator', 'viewer'] as const) {
      it(`REST, ${role}: free text → model → knowledge_search → audit → answer, with every tool the role may use offered`, async () => {
        const conversationId = await conversation(role);
        const before = server.requests.length;
        const posted = await apiClient(harness.url, users.get(role)!.token).post(`/api/conversations/${conversationId}/messages`, {
          content: 'Where is the vpn runbook?',
        });
        assert.equal(posted.status, 201);
        const reply = await assistantReply(role, conversationId);
        assert.match(reply.content, /Tool said: success/);
        assert.equal(reply.modelUsed, 'openai-compatible:scripted');
        assert.deepEqual(
          reply.actionsTaken.map((action) => [action.tool, action.status]),
          [['knowledge_search', 'succeeded']],
        );
        const offered = server.requests[before]!.tools!.map((tool) => tool.function.name);
        assert.ok(offered.includes('knowledge_search'));
        // The network toolset is offered only where its binaries are (ping, tracepath: .ci/provision.sh installs them);
        // without them it must not be offered to anyone.
        const networkReady = harness.app.tools.registry.unavailableReason('net_check') === undefined;
        assert.equal(offered.includes('net_check'), networkReady && role !== 'viewer', `net_check offered to ${role}`);
        assert.equal(offered.includes('dedup_ingest'), role !== 'viewer');
        const actions = (await auditOf(reply.metadata.traceId!)).map((event) => event.action);
        assert.ok(actions.includes('execution.proposed') && actions.includes('execution.succeeded'), actions.join(','));
      });

      it(`console socket, ${role}: the answer streams as agent:token events before agent:done`, async () => {
        const conversationId = await conversation(role);
        const socket: ClientSocket = await connectSocket(harness.url, users.get(role)!.token);
        try {
          await request(socket, 'conversation:join', { conversationId });
          const tokens: string[] = [];
          socket.on('agent:token', (payload) => tokens.push(payload.delta));
          const done = nextEvent(
            socket,
            'agent:done',
            (payload: { conversationId: string }) => payload.conversationId === conversationId,
            20_000,
          );
          const tool = nextEvent(
            socket,
            'agent:tool',
            (payload: { execution: { tool: string; status: string } }) =>
              payload.execution.tool === 'knowledge_search' && payload.execution.status === 'succeeded',
            20_000,
          );
          const ack = await request(socket, 'message:send', {
            conversationId,
            content: 'Show me the VPN procédure',
            clientMessageId: `e2e-${role}-${Date.now()}`,
          });
          assert.ok(ack.ok ?? ack.message ?? ack.data, JSON.stringify(ack));
          await tool;
          const { message } = (await done) as unknown as { message: Message };
          assert.match(message.content, /^Tool said: success/);
          assert.ok(tokens.length >= 3, `streamed in ${tokens.length} tokens`);
          assert.equal(tokens.join(''), message.content);
        } finally {
          socket.close();
        }
      });
    }

    it('a mutating call proposed by the model waits for approval and runs only after another person approves', async () => {
      const conversationId = await conversation('operator');
      await apiClient(harness.url, users.get('operator')!.token).post(`/api/conversations/${conversationId}/messages`, {
        content: 'please restart nginx',
      });
      const reply = await assistantReply('operator', conversationId);
      assert.match(reply.content, /approval_required/);
      const [action] = reply.actionsTaken;
      assert.deepEqual([action?.tool, action?.status], ['restart_service', 'pending_approval']);
      assert.deepEqual(calls.restarts, []);
      const approver = apiClient(harness.url, users.get('operator2' as Role)!.token);
      const approved = await approver.post<{ status: string }>(`/api/executions/${action!.executionId}/approve`, {});
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      await waitFor(async () => calls.restarts.length === 1);
      assert.deepEqual(calls.restarts, ['nginx']);
    });

    it('a viewer whose model proposes a tool the viewer may not use gets a refused execution, audited', async () => {
      const conversationId = await conversation('viewer');
      await apiClient(harness.url, users.get('viewer')!.token).post(`/api/conversations/${conversationId}/messages`, {
        content: 'restart nginx now',
      });
      const reply = await assistantReply('viewer', conversationId);
      assert.match(reply.content, /Refused restart_service/);
      assert.deepEqual(
        reply.actionsTaken.map((action) => action.status),
        ['refused'],
      );
      assert.deepEqual(calls.restarts.length, 1);
      const actions = (await auditOf(reply.metadata.traceId!)).map((event) => event.action);
      assert.deepEqual(actions, ['execution.refused']);
    });

    for (const [text, code] of [
      ['try the bogus tool', 'unknown_tool'],
      ['send invalid args please', 'validation_error'],
      ['send malformed json', 'malformed_arguments'],
    ] as const) {
      it(`an invalid call (${code}) is a refused execution with an audit event; the model reads a short error and may retry`, async () => {
        const conversationId = await conversation('operator');
        const before = server.requests.length;
        await apiClient(harness.url, users.get('operator')!.token).post(`/api/conversations/${conversationId}/messages`, { content: text });
        const reply = await assistantReply('operator', conversationId);
        const statuses = reply.actionsTaken.map((action) => `${action.tool}:${action.status}`);
        assert.equal(statuses[0]!.endsWith(':refused'), true, statuses.join(','));
        if (code !== 'malformed_arguments') assert.equal(statuses[1], 'knowledge_search:succeeded', 'the model retried with a valid call');
        const refused = await harness.database.prisma.execution.findUniqueOrThrow({ where: { id: reply.actionsTaken[0]!.executionId } });
        assert.equal((refused.result as { error: { code: string } }).error.code, code);
        const events = await harness.database.prisma.auditEvent.findMany({ where: { executionId: refused.id } });
        assert.deepEqual(
          events.map((event) => event.action),
          ['execution.refused'],
        );
        const toolMessages = server.requests
          .slice(before)
          .flatMap((request) => request.messages.filter((message) => message.role === 'tool').map((message) => String(message.content)));
        assert.ok(toolMessages.length >= 1);
        for (const content of toolMessages) {
          assert.doesNotMatch(content, /\/work\/|node_modules|\s+at\s+\S+\s+\(|\.ts:\d+/, 'no stack trace or path');
          assert.ok(content.length < 1_000, content);
        }
        assert.match(reply.content, /Refused/);
      });
    }

    it('command-like sentences go to the model; explicit syntax and complete commands go to the router', async () => {
      const conversationId = await conversation('operator');
      const api = apiClient(harness.url, users.get('operator')!.token);
      let count = 0;
      const say = async (content: string) => {
        await api.post(`/api/conversations/${conversationId}/messages`, { content });
        return assistantReply('operator', conversationId, count++);
      };
      assert.match((await say('status please')).content, /^You said: status please/);
      assert.match((await say('search services in Douala')).content, /^You said: search services in Douala/);
      const routed = await say('/status');
      assert.equal(routed.modelUsed, null);
      assert.match(routed.content, /system_status/);
      const complete = await say('kb vpn');
      assert.equal(complete.modelUsed, null);
      // The answer names the result in one line; the passages are in the execution's card (result view), not repeated.
      assert.match(complete.content, /knowledge_search: 1 passage/);
      assert.match(JSON.stringify(complete.metadata), /VPN runbook/);
      const bang = await say('!kb "vpn');
      assert.match(bang.content, /Sorry, that did not work: .*Unterminated.* \(trace [0-9a-f-]{36}\)\./);
    });

    it('works when the endpoint answers a streaming request with plain JSON, and with LLM_STREAMING=false', async () => {
      for (const [mode, streaming] of [
        ['json', 'true'],
        ['auto', 'false'],
      ] as const) {
        running.detach();
        server.mode = mode;
        running = await startModel({ LLM_STREAMING: streaming });
        const conversationId = await conversation('admin');
        const before = server.requests.length;
        await apiClient(harness.url, users.get('admin')!.token).post(`/api/conversations/${conversationId}/messages`, {
          content: 'vpn runbook?',
        });
        const reply = await assistantReply('admin', conversationId);
        assert.match(reply.content, /^Tool said: success/, `${mode}/${streaming}`);
        assert.equal(server.requests[before]!.stream ?? false, streaming === 'true');
      }
      running.detach();
      server.mode = 'auto';
      running = await startModel();
    });

    it('a model failure is logged with its trace id and the user reads a sentence naming it', async () => {
      running.detach();
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
      running = await startAgent(harness.app.core, loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:1/v1', LLM_MODEL_NAME: 'gone' }), logger);
      const conversationId = await conversation('admin');
      await apiClient(harness.url, users.get('admin')!.token).post(`/api/conversations/${conversationId}/messages`, {
        content: 'why is the vpn slow?',
      });
      const reply = await assistantReply('admin', conversationId);
      const traceId = reply.metadata.traceId!;
      assert.match(reply.content, new RegExp(`could not answer.*trace ${traceId}`));
      assert.doesNotMatch(reply.content, /Internal server error/);
      const logged = lines
        .map((line) => JSON.parse(line) as { msg: string; traceId?: string; level: number })
        .find((line) => line.msg === 'agent turn failed');
      assert.equal(logged?.traceId, traceId);
      assert.equal(logged?.level, 50);
      running.detach();
      running = await startModel();
    });

    it('bounds model turns per node: FIFO queue with a queued status, 503 busy past the depth', async () => {
      running.detach();
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      // Every model call waits for the gate at the server, so turns pile up deterministically.
      const slow = await startScriptedOpenAiServer(async () => {
        await gate;
        return { content: 'slow answer' };
      });
      const config = loadConfig({
        LLM_BASE_URL: slow.baseUrl,
        LLM_MODEL_NAME: 'slow',
        AGENT_MAX_CONCURRENT_TURNS: '1',
        AGENT_QUEUE_DEPTH: '1',
      });
      const limited = await startAgent(harness.app.core, config, pino({ level: 'silent' }));
      limited.detach();
      const operator = { userId: users.get('operator')!.id, userName: 'op', role: 'operator' as const, tokenId: null };
      const ids = await Promise.all([conversation('operator'), conversation('operator'), conversation('operator')]);
      const statuses: Array<{ conversationId: string; status: string; position?: number }> = [];
      const onStatus = (payload: { conversationId: string; status: string; position?: number }) => statuses.push(payload);
      harness.app.context.events.on('agent.status', onStatus);
      try {
        const first = limited.agent.runTurn({ principal: operator, conversationId: ids[0]!, text: 'first question', channel: 'api' });
        await waitFor(async () => limited.agent.load.running === 1);
        const second = limited.agent.runTurn({ principal: operator, conversationId: ids[1]!, text: 'second question', channel: 'api' });
        await waitFor(async () => limited.agent.load.queued === 1);
        const third = await limited.agent.runTurn({ principal: operator, conversationId: ids[2]!, text: 'third question', channel: 'api' });
        assert.match(third.message.content, /busy/);
        // REST refuses new messages with 503 busy while this node's queue is full.
        assert.deepEqual(limited.agent.load, { running: 1, queued: 1 }, 'the first turn runs and the second waits');
        const detachAdmission = harness.app.context.agentAdmission.attach(() => limited.agent.acceptsTurns);
        const refused = await apiClient(harness.url, users.get('operator')!.token).post<{ error: { code: string } }>(
          `/api/conversations/${ids[2]}/messages`,
          { content: 'one more' },
        );
        detachAdmission();
        assert.equal(refused.status, 503, JSON.stringify(refused.body));
        assert.match(JSON.stringify(refused.body), /busy/);
        assert.deepEqual(
          statuses.filter((status) => status.status === 'queued').map((status) => [status.conversationId, status.position]),
          [[ids[1], 1]],
        );
        release();
        const answers = await Promise.all([first, second]);
        assert.deepEqual(
          answers.map((answer) => answer.message.content),
          ['slow answer', 'slow answer'],
        );
        assert.deepEqual(limited.agent.load, { running: 0, queued: 0 });
      } finally {
        release();
        harness.app.context.events.off('agent.status', onStatus);
        await slow.close();
        running = await startModel();
      }
    });
  });
}

/**
 * The agent with a model in the chat channels, end to end, as admin, operator and viewer:
 * Slack (signed events into Bolt, fake Web API over HTTP) and Discord (Ed25519-signed
 * interactions, fake REST API) with the full production registry offered to a scripted
 * OpenAI-compatible server over real HTTP, streaming and not: free text → model → tool call
 * → pipeline → audit → answer in the thread. A mutating call the model proposes waits for a
 * button click by another operator; an invalid call is a refused, audited execution.
 * (Console and REST: agent-end-to-end.test.ts; stories260K in every channel:
 * agent-local-model-channels.test.ts.)
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { DomainEvents } from '../../src/actions/domain-events.js';
import type { AgentModel } from '../../src/agents/agent-service.js';
import { openAiCompatibleModel } from '../../src/agents/providers/openai-compatible-model.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { createToolsets } from '../support/production-toolsets.js';
import { discordKeys, discordSignature, startFakeDiscord, type FakeDiscord } from '../bots/support/fake-discord.js';
import { blockActionBody, eventBody, postToSlackEndpoint } from '../bots/support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from '../bots/support/slack-test-app.js';
import { opsChatPolicy } from '../support/ops-chat-policy.js';
import { startScriptedOpenAiServer, type ScriptedOpenAiServer } from '../support/scripted-openai-server.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, waitFor, type ToolCalls } from './support/test-toolsets.js';

const GUILD = '900000000000000016';
const APPLICATION = '800000000000000016';
const snowflake = () => String(randomInt(1, 2 ** 47)) + String(randomInt(100_000, 999_999));
const slackId = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 9).toUpperCase()}`;

for (const backend of testBackends()) {
  describe(`agent with a model in Slack and Discord on ${backend.name}`, { timeout: 240_000 }, () => {
    let harness: SlackTestApp;
    let server: ScriptedOpenAiServer;
    let discord: FakeDiscord;
    let privateKey: KeyObject;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const database = backend.open();
    // The agent reads this object on every turn, so a test can switch streaming off.
    const model: AgentModel = { name: 'openai-compatible:scripted', model: undefined as never };
    const useStreaming = (streaming: boolean) => {
      model.model = openAiCompatibleModel({ baseUrl: server.baseUrl, modelName: 'scripted', temperature: 0, streaming });
    };

    before(async () => {
      const db = await database;
      server = await startScriptedOpenAiServer(opsChatPolicy());
      useStreaming(true);
      discord = await startFakeDiscord();
      const keys = discordKeys();
      privateKey = keys.privateKey;
      const config = loadConfig({ DATA_DIR: `/tmp/vigie-h16-chat-${process.pid}`, NET_ALLOWED_TARGETS: '127.0.0.1/32' });
      const production = createToolsets({
        config,
        database: db,
        logger: pino({ level: 'silent' }),
        audit: new AuditLog(db.sql),
        events: new DomainEvents(),
      });
      harness = await startSlackTestApp(db, {
        tools: { toolsets: [...production, testOpsToolset(calls)] },
        model,
        config: {
          DISCORD_PUBLIC_KEY: keys.publicKeyHex,
          DISCORD_API_URL: discord.apiUrl,
          DISCORD_TOKEN: 'bot-token',
          DISCORD_APPLICATION_ID: APPLICATION,
          DISCORD_GUILD_ID: GUILD,
        },
      });
      await harness.app.context.knowledge.ingestBytes({
        bytes: Buffer.from('Restart the VPN concentrator after rotating keys.'),
        contentType: 'text/plain',
        title: 'VPN runbook',
      });
    });
    after(async () => {
      await harness?.bots.discordGateway?.stop();
      await harness?.close();
      await discord?.close();
      await server?.close();
      await (await database).close();
    });

    const prisma = async () => (await database).prisma;
    const lastAssistant = async (userId: string) =>
      waitFor(
        async () =>
          (await prisma()).message.findFirst({
            where: { role: 'assistant', conversation: { ownerId: userId } },
            orderBy: { createdAt: 'desc' },
          }),
        30_000,
      );
    const auditActions = async (traceId: string) =>
      (await (await prisma()).auditEvent.findMany({ where: { traceId }, orderBy: { id: 'asc' } })).map((event) => event.action);
    const mention = async (user: string, text: string) => {
      const ts = `17000016${randomInt(10, 99)}.${String(randomInt(0, 999_999)).padStart(6, '0')}`;
      const body = eventBody(`Ev${slackId('')}`, { type: 'app_mention', user, channel: 'CMAIN', text: `<@UBOT> ${text}`, ts });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json')).status, 200);
      return ts;
    };
    const slackFinal = (threadTs: string, contains: string) =>
      // Native streaming (the default: chat.startStream/appendStream/stopStream) or the edited-message fallback.
      harness.slack.waitFor(
        (call) =>
          (['chat.appendStream', 'chat.stopStream'].includes(call.method) &&
            // The stream this thread's turn opened (startStream carries thread_ts; its answer the stream's ts).
            harness.slack.calls.some(
              (start) =>
                start.method === 'chat.startStream' &&
                start.params.thread_ts === threadTs &&
                (start.response as { ts?: unknown }).ts === call.params.ts,
            ) &&
            JSON.stringify(call.params).includes(contains)) ||
          (['chat.update', 'chat.postMessage'].includes(call.method) &&
            (call.params.thread_ts === threadTs || call.method === 'chat.update') &&
            String(call.params.text).includes(contains)),
        30_000,
      );
    const interaction = (user: string, fields: Record<string, unknown>) => ({
      id: snowflake(),
      application_id: APPLICATION,
      token: `tok${snowflake()}`,
      guild_id: GUILD,
      channel_id: '700000000000000016',
      member: { user: { id: user, username: 'someone' } },
      ...fields,
    });
    const ask = (user: string, text: string) =>
      interaction(user, {
        type: 2,
        data: { name: 'vigie', options: [{ name: 'ask', type: 1, options: [{ name: 'text', value: text }] }] },
      });
    const sendDiscord = async (payload: unknown) => {
      const body = JSON.stringify(payload);
      const response = await fetch(`${harness.url}/discord/interactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...discordSignature(privateKey, body) },
        body,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const discordEdit = (token: string, contains: string) =>
      discord.waitFor(
        (call) => call.method === 'PATCH' && call.path.includes(token) && JSON.stringify(call.body).includes(contains),
        30_000,
      );

    for (const streaming of [true, false]) {
      for (const role of ['admin', 'operator', 'viewer'] as const) {
        it(`Slack, ${role}, ${streaming ? 'streaming' : 'plain JSON'}: free text → model → knowledge_search → audit → answer in the thread`, async () => {
          useStreaming(streaming);
          const user = slackId('U16');
          const userId = await harness.linkedUser(role, user);
          const before = server.requests.length;
          const ts = await mention(user, 'where is the vpn runbook?');
          await slackFinal(ts, 'Tool said: success');
          const reply = await lastAssistant(userId);
          assert.equal(reply.modelUsed, 'openai-compatible:scripted');
          assert.equal(reply.channel, 'slack');
          assert.deepEqual(
            (reply.actionsTaken as Array<{ tool: string; status: string }>).map((action) => [action.tool, action.status]),
            [['knowledge_search', 'succeeded']],
          );
          const actions = await auditActions((reply.metadata as { traceId: string }).traceId);
          assert.ok(actions.includes('execution.proposed') && actions.includes('execution.succeeded'), actions.join(','));
          const request = server.requests[before]!;
          assert.equal(request.stream ?? false, streaming);
          const offered = request.tools!.map((tool) => tool.function.name);
          assert.equal(offered.includes('net_check'), role !== 'viewer', `net_check offered to ${role}`);
          assert.equal(offered.includes('qos_apply'), role !== 'viewer');
        });

        it(`Discord, ${role}, ${streaming ? 'streaming' : 'plain JSON'}: a signed /vigie ask → model → knowledge_search → audit → edited reply`, async () => {
          useStreaming(streaming);
          const user = snowflake();
          const userId = await harness.linkedUser(role, user, 'discord', GUILD);
          const before = server.requests.length;
          const payload = ask(user, 'where is the vpn runbook?');
          assert.deepEqual((await sendDiscord(payload)).body, { type: 5 });
          await discordEdit(payload.token, 'Tool said: success');
          const reply = await lastAssistant(userId);
          assert.equal(reply.channel, 'discord');
          assert.equal(reply.modelUsed, 'openai-compatible:scripted');
          assert.deepEqual(
            (reply.actionsTaken as Array<{ tool: string; status: string }>).map((action) => action.status),
            ['succeeded'],
          );
          const actions = await auditActions((reply.metadata as { traceId: string }).traceId);
          assert.ok(actions.includes('execution.succeeded'), actions.join(','));
          assert.equal(server.requests[before]!.stream ?? false, streaming);
        });
      }
    }

    it('Slack: a mutating call the model proposes waits for approval and runs only after another operator clicks approve', async () => {
      useStreaming(true);
      const requester = slackId('U16R');
      const approver = slackId('U16A');
      const requesterId = await harness.linkedUser('operator', requester);
      const approverId = await harness.linkedUser('operator', approver);
      const ts = await mention(requester, 'please restart nginx-slack16');
      const reply = await lastAssistant(requesterId);
      const [action] = reply.actionsTaken as Array<{ executionId: string; tool: string; status: string }>;
      assert.deepEqual([action?.tool, action?.status], ['restart_service', 'pending_approval']);
      assert.deepEqual(calls.restarts, []);
      const card = await harness.slack.waitFor(
        (call) =>
          ['chat.update', 'chat.postMessage', 'chat.stopStream'].includes(call.method) &&
          JSON.stringify(call.params.blocks ?? []).includes('vigie_approve'),
        30_000,
      );
      const blocks = card.params.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;
      const executionId = blocks.find((block) => block.type === 'actions')!.elements![0]!.value;
      assert.equal(executionId, action!.executionId);
      const messageTs = String(card.params.ts ?? card.response.ts ?? ts);
      const click = blockActionBody({
        user: approver,
        messageTs,
        blocks,
        actionId: 'vigie_approve',
        value: executionId,
        responseUrl: `${harness.slack.url}/response/click16`,
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, click, 'application/x-www-form-urlencoded')).status, 200);
      await waitFor(async () => calls.restarts.length === 1, 20_000);
      assert.deepEqual(calls.restarts, ['nginx']);
      // The tool has run; its row is finished by the same execution a moment later.
      const execution = await waitFor(async () => {
        const row = await (await prisma()).execution.findUniqueOrThrow({ where: { id: executionId } });
        return row.status === 'succeeded' ? row : undefined;
      }, 20_000);
      assert.equal(execution.status, 'succeeded');
      assert.equal(execution.approverId, approverId);
    });

    it('Discord: a mutating call the model proposes waits for approval and runs only after another operator clicks approve', async () => {
      const requester = snowflake();
      const approver = snowflake();
      const requesterId = await harness.linkedUser('operator', requester, 'discord', GUILD);
      await harness.linkedUser('operator', approver, 'discord', GUILD);
      const payload = ask(requester, 'please restart nginx-discord16');
      await sendDiscord(payload);
      const reply = await lastAssistant(requesterId);
      const [action] = reply.actionsTaken as Array<{ executionId: string; tool: string; status: string }>;
      assert.deepEqual([action?.tool, action?.status], ['restart_service', 'pending_approval']);
      const before = calls.restarts.length;
      const card = await discord.waitFor(
        (call) => call.path.includes(payload.token) && JSON.stringify(call.body).includes(`vigie:approve:${action!.executionId}`),
        30_000,
      );
      assert.ok(card);
      assert.equal(calls.restarts.length, before, 'nothing ran before the click');
      const click = interaction(approver, { type: 3, data: { custom_id: `vigie:approve:${action!.executionId}` } });
      await sendDiscord(click);
      await waitFor(async () => calls.restarts.length === before + 1, 20_000);
      await waitFor(
        async () => (await (await prisma()).execution.findUniqueOrThrow({ where: { id: action!.executionId } })).status === 'succeeded',
        20_000,
      );
    });

    for (const platform of ['slack', 'discord'] as const) {
      it(`${platform}: an invalid call from the model is a refused execution with an audit event, and the reply says so`, async () => {
        const external = platform === 'slack' ? slackId('U16I') : snowflake();
        const userId = await harness.linkedUser('operator', external, platform, platform === 'slack' ? 'T1' : GUILD);
        if (platform === 'slack') await mention(external, 'try the bogus tool');
        else await sendDiscord(ask(external, 'try the bogus tool'));
        const reply = await lastAssistant(userId);
        const statuses = (reply.actionsTaken as Array<{ tool: string; status: string }>).map((action) => `${action.tool}:${action.status}`);
        assert.deepEqual(statuses, ['format_everything:refused', 'knowledge_search:succeeded']);
        assert.match(reply.content, /Refused format_everything/);
        const refused = await (await prisma()).execution.findFirstOrThrow({ where: { requesterId: userId, status: 'refused' } });
        assert.equal(refused.channel, platform);
        const events = await (await prisma()).auditEvent.findMany({ where: { executionId: refused.id } });
        assert.deepEqual(
          events.map((event) => event.action),
          ['execution.refused'],
        );
      });
    }
  });
}

/**
 * The local model (stories260K.gguf through node-llama-cpp, one CPU thread) as the agent of
 * every channel, for admin, operator and viewer: REST, the console socket (real socket.io
 * client, streamed agent:token events), Slack (signed events, fake Web API) and Discord
 * (signed interactions, fake REST API), with the full production registry bound, so the
 * grammar over every offered tool must compile and each turn must end in a stored answer
 * from the model, never in a failure. The toy model cannot choose tools sensibly: whatever
 * it calls goes through the pipeline and nothing it proposes runs unapproved.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomInt, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLlama, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { pino } from 'pino';
import { DomainEvents } from '../../src/actions/domain-events.js';
import { identityLinker, tokenMinter, userCreator } from '../../src/actions/users.js';
import { LlamaCppChatModel } from '../../src/agents/providers/llama-cpp-chat-model.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { loadConfig } from '../../src/config.js';
import { createRealtimeGateway, type RealtimeGateway } from '../../src/server/realtime/gateway.js';
import { createToolsets } from '../support/production-toolsets.js';
import { discordKeys, discordSignature, startFakeDiscord, type FakeDiscord } from '../bots/support/fake-discord.js';
import { eventBody, postToSlackEndpoint } from '../bots/support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp, type SlackTestApp } from '../bots/support/slack-test-app.js';
import { connectSocket, nextEvent, request } from '../realtime/support/socket-client.js';
import { apiClient } from '../support/http-client.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, waitFor, type ToolCalls } from './support/test-toolsets.js';
import { TinyRuntime } from './support/tiny-llama-runtime.js';

const MODEL = process.env.VIGIE_TEST_MODEL ?? path.resolve(import.meta.dirname, '../../../shared/models/stories260K.gguf');
const GUILD = '900000000000000026';
const APPLICATION = '800000000000000026';
const snowflake = () => String(randomInt(1, 2 ** 47)) + String(randomInt(100_000, 999_999));
const NOT_RUN = new Set(['pending_approval', 'refused', 'denied', 'expired']);

const backend = testBackends()[0]!;
describe(
  'the local model as the agent of every channel (stories260K)',
  { skip: !existsSync(MODEL) && `model missing: ${MODEL}`, timeout: 300_000 },
  () => {
    let llama: Llama;
    let model: LlamaModel;
    let context: LlamaContext;
    let harness: SlackTestApp;
    let gateway: RealtimeGateway;
    let discord: FakeDiscord;
    let privateKey: KeyObject;
    let detach: () => void = () => undefined;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const users = new Map<string, { id: string; token: string; slack: string; discord: string }>();

    before(async () => {
      llama = await getLlama({ gpu: false, maxThreads: 1, logLevel: 'error' as never });
      model = await llama.loadModel({ modelPath: MODEL });
      context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
      const runtime = new TinyRuntime(model, context.getSequence());
      const database = await backend.open();
      discord = await startFakeDiscord();
      const keys = discordKeys();
      privateKey = keys.privateKey;
      const config = loadConfig({ DATA_DIR: `/tmp/vigie-h16-local-${process.pid}`, NET_ALLOWED_TARGETS: '127.0.0.1/32' });
      const production = createToolsets({
        config,
        database,
        logger: pino({ level: 'silent' }),
        audit: new AuditLog(database.sql),
        events: new DomainEvents(),
      });
      harness = await startSlackTestApp(database, {
        tools: { toolsets: [...production, testOpsToolset(calls)] },
        model: { name: runtime.modelName, model: new LlamaCppChatModel({ runtime, temperature: 0, maxTokens: 24 }) },
        config: {
          DISCORD_PUBLIC_KEY: keys.publicKeyHex,
          DISCORD_API_URL: discord.apiUrl,
          DISCORD_TOKEN: 'bot-token',
          DISCORD_APPLICATION_ID: APPLICATION,
          DISCORD_GUILD_ID: GUILD,
        },
      });
      detach = harness.agent.attach(harness.app.context.events);
      gateway = createRealtimeGateway({
        server: harness.app.server,
        context: harness.app.context,
        registry: harness.app.metrics,
        logger: pino({ level: 'silent' }),
      });
      const system = { userId: '', userName: 'test', channel: 'system' as const };
      for (const role of ['admin', 'operator', 'viewer'] as const) {
        const user = await userCreator(database.prisma, harness.app.context.audit, system, {
          name: `local-${role}-${randomInt(1e6)}`,
          role,
        });
        const { token } = await tokenMinter(database.prisma, harness.app.context.audit, system, user.id, { name: 'test', role });
        const slack = `ULOCAL${role.toUpperCase()}${randomInt(1e4)}`;
        const discordId = snowflake();
        await identityLinker(database.prisma, harness.app.context.audit, system, user.id, {
          provider: 'slack',
          externalId: slack,
          workspace: 'T1',
        });
        await identityLinker(database.prisma, harness.app.context.audit, system, user.id, {
          provider: 'discord',
          externalId: discordId,
          workspace: GUILD,
        });
        users.set(role, { id: user.id, token, slack, discord: discordId });
      }
    });
    after(async () => {
      detach();
      await gateway?.close();
      await harness?.bots.discordGateway?.stop();
      await harness?.close();
      await harness?.app.context.database.close();
      await discord?.close();
      await context?.dispose();
      await model?.dispose();
      await llama?.dispose();
    });

    const prisma = () => harness.app.context.database.prisma;
    /** The newest assistant answer in one of the user's conversations on a channel. */
    const answered = (userId: string, channel: 'api' | 'console' | 'slack' | 'discord', count: number) =>
      waitFor(async () => {
        const rows = await prisma().message.findMany({
          where: { role: 'assistant', channel, conversation: { ownerId: userId } },
          orderBy: { createdAt: 'asc' },
        });
        return rows.length >= count ? rows.at(-1)! : undefined;
      }, 60_000);
    /** A turn on the local model: answered by the model, never a failure; nothing it proposed ran unapproved unless it is a read tool. */
    const checkTurn = async (message: { content: string; modelUsed: string | null; actionsTaken: unknown }) => {
      assert.equal(message.modelUsed, 'stories260K.gguf');
      assert.ok(message.content.length > 0);
      assert.doesNotMatch(message.content, /^Sorry, that did not work/);
      for (const action of (message.actionsTaken ?? []) as Array<{ executionId: string; status: string }>) {
        const execution = await prisma().execution.findUniqueOrThrow({ where: { id: action.executionId } });
        if (execution.riskLevel !== 'read') assert.ok(NOT_RUN.has(execution.status), `${execution.tool} ${execution.status}`);
      }
    };

    for (const role of ['admin', 'operator', 'viewer'] as const) {
      it(`REST, ${role}: a free-text message is answered by the local model`, async () => {
        const user = users.get(role)!;
        const api = apiClient(harness.url, user.token);
        const created = await api.post<{ id: string }>('/api/conversations', { title: `local ${role}` });
        await api.post(`/api/conversations/${created.body.id}/messages`, { content: 'Tell me a story about a cat' });
        await checkTurn(await answered(user.id, 'api', 1));
      });

      it(`console socket, ${role}: the answer streams as agent:token events`, async () => {
        const user = users.get(role)!;
        const created = await apiClient(harness.url, user.token).post<{ id: string }>('/api/conversations', {
          title: `local console ${role}`,
        });
        const socket = await connectSocket(harness.url, user.token);
        try {
          await request(socket, 'conversation:join', { conversationId: created.body.id });
          const tokens: string[] = [];
          socket.on('agent:token', (payload) => tokens.push(payload.delta));
          const done = nextEvent(
            socket,
            'agent:done',
            (payload: { conversationId: string }) => payload.conversationId === created.body.id,
            60_000,
          );
          await request(socket, 'message:send', {
            conversationId: created.body.id,
            content: 'Once upon a time',
            clientMessageId: `local-${role}-${Date.now()}`,
          });
          const { message } = (await done) as unknown as {
            message: { content: string; modelUsed: string | null; actionsTaken: Array<unknown> };
          };
          await checkTurn(message);
          // A text answer streams token by token; a tool call streams nothing (its result is the reply).
          if (message.actionsTaken.length === 0) {
            assert.ok(tokens.length > 1, `streamed in ${tokens.length} events`);
            assert.equal(tokens.join(''), message.content);
          }
        } finally {
          socket.close();
        }
      });

      it(`Slack, ${role}: a mention is answered in its thread by the local model`, async () => {
        const user = users.get(role)!;
        const ts = `17000026${randomInt(10, 99)}.${String(randomInt(0, 999_999)).padStart(6, '0')}`;
        const body = eventBody(`EvLocal${snowflake()}`, {
          type: 'app_mention',
          user: user.slack,
          channel: 'CMAIN',
          text: '<@UBOT> tell me a story',
          ts,
        });
        assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json')).status, 200);
        const message = await answered(user.id, 'slack', 1);
        await checkTurn(message);
        // Streamed natively into the thread (chat.startStream … chat.stopStream), or posted there by the fallback.
        await harness.slack.waitFor(
          (call) =>
            (call.method === 'chat.postMessage' && call.params.thread_ts === ts) ||
            (call.method === 'chat.stopStream' &&
              harness.slack.calls.some(
                (start) =>
                  start.method === 'chat.startStream' &&
                  start.params.thread_ts === ts &&
                  (start.response as { ts?: unknown }).ts === call.params.ts,
              )),
          30_000,
        );
      });

      it(`Discord, ${role}: a signed /vigie ask is answered by the local model`, async () => {
        const user = users.get(role)!;
        const token = `tok${snowflake()}`;
        const payload = {
          id: snowflake(),
          application_id: APPLICATION,
          token,
          guild_id: GUILD,
          channel_id: '700000000000000026',
          member: { user: { id: user.discord, username: 'someone' } },
          type: 2,
          data: { name: 'vigie', options: [{ name: 'ask', type: 1, options: [{ name: 'text', value: 'tell me a story' }] }] },
        };
        const raw = JSON.stringify(payload);
        const response = await fetch(`${harness.url}/discord/interactions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...discordSignature(privateKey, raw) },
          body: raw,
        });
        assert.deepEqual(await response.json(), { type: 5 });
        const message = await answered(user.id, 'discord', 1);
        await checkTurn(message);
        await discord.waitFor((call) => call.method === 'PATCH' && call.path.includes(token), 30_000);
      });
    }
  },
);

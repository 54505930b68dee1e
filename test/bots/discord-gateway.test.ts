/**
 * The Discord gateway end to end on every backend: messages injected into a real discord.js
 * Client through its own MessageCreate action reach the production messageCreate handler,
 * run through BotTurns, the real pipeline and database, and the replies land on a fake
 * Discord REST API over real HTTP (discord.js's REST client, retries included).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Events, type Message, type TextChannel } from 'discord.js';
import { HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { Redis } from 'ioredis';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { networkToolset } from '../../src/tools/network/network-toolset.js';
import { loadConfig } from '../../src/config.js';
import { pino } from 'pino';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, waitFor, type ToolCalls } from '../agents/support/test-toolsets.js';
import { answer, ScriptedChatModel } from '../agents/support/scripted-chat-model.js';
import { discordText, type DiscordCall } from './support/fake-discord.js';
import { IDS, snowflake, startDiscordTestApp, type DiscordTestApp } from './support/discord-test-app.js';

const REPLY = 'The core router is fine: every interface is up and the BGP sessions are established.';
const LONG = Array.from({ length: 110 }, (_, index) => `step ${index}: check the uplink and note the counters ${'.'.repeat(20)}`).join(
  '\n',
);
const HUGE = Array.from({ length: 300 }, (_, index) => `line ${index} ${'y'.repeat(40)}`).join('\n');

const lastQuestion = (messages: BaseMessage[]) =>
  String([...messages].reverse().find((message) => HumanMessage.isInstance(message))?.content ?? '');
const scripted = () =>
  new ScriptedChatModel([
    answer((messages) =>
      lastQuestion(messages).includes('long answer') ? LONG : lastQuestion(messages).includes('huge answer') ? HUGE : REPLY,
    ),
  ]);

for (const backend of testBackends()) {
  describe(`discord gateway on ${backend.name}`, { timeout: 90_000 }, () => {
    let harness: DiscordTestApp;
    let redis: Redis | undefined;
    let model: ScriptedChatModel;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const database = backend.open();

    const isReplyTo = (id: string) => (call: DiscordCall) =>
      call.method === 'POST' &&
      call.path.endsWith('/messages') &&
      (call.body.message_reference as { message_id?: string } | undefined)?.message_id === id;
    const replyTo = (id: string) => harness.discord.waitFor(isReplyTo(id));
    const say = async (author: string, content: string, extra: { channel?: string; dm?: boolean } = {}) => {
      const raw = harness.rawMessage({ author, content, ...extra });
      harness.inject(raw);
      return raw as { id: string; channel_id: string };
    };
    const conversationOf = async (author: string, place: string) =>
      (await database).prisma.conversation.findFirst({
        where: { originChannel: 'discord', externalRef: `discord:${IDS.guild}:${place}:${author}` },
      });

    before(async () => {
      const db = await database;
      if (process.env.REDIS_URL) redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 2 });
      const knowledge = new KnowledgeBase(db, createLexicalEmbedder());
      await knowledge.ingestBytes({
        bytes: Buffer.from(
          '# Core router failover\n\nTo fail over the core router, drain BGP on the primary, then move the VRRP priority to the standby and confirm traffic on the standby uplink.\n',
        ),
        contentType: 'text/markdown',
        title: 'Core router failover',
      });
      model = scripted();
      harness = await startDiscordTestApp(db, {
        ...(redis ? { redis } : {}),
        model: { model, name: 'scripted' },
        tools: {
          toolsets: [
            coreToolset(db, () => [], knowledge),
            networkToolset({ config: loadConfig({}), database: db, logger: pino({ level: 'silent' }) }),
            testOpsToolset(calls),
          ],
          allowlist: { discord: { [IDS.allowed]: ['*'], [IDS.locked]: ['core'], [IDS.dm]: ['core'] } },
        },
      });
    });
    after(async () => {
      await harness?.close();
      await (await database).close();
      await redis?.quit();
    });

    it('runs a "!vigie net …" message command through a routed read tool and replies to it', async () => {
      const user = snowflake();
      await harness.linkedUser('operator', user);
      const message = await say(user, '!vigie net interfaces lo');
      const reply = await replyTo(message.id);
      assert.equal(reply.path, `/api/v10/channels/${IDS.allowed}/messages`);
      assert.match(discordText(reply.body), /\d+ interfaces?, \d+ routes?/);
      assert.deepEqual(reply.body.allowed_mentions, { parse: [] });
      assert.ok(
        harness.discord.calls.some((call) => call.path === `/api/v10/channels/${IDS.allowed}/typing`),
        'typing shown while the turn runs',
      );
      const prisma = (await database).prisma;
      const conversation = await conversationOf(user, IDS.allowed);
      assert.ok(conversation, 'one conversation per user in the channel');
      const execution = await prisma.execution.findFirstOrThrow({ where: { conversationId: conversation.id } });
      assert.equal(execution.tool, 'net_interfaces');
      assert.equal(execution.channel, 'discord');
    });

    it('answers a mention of the bot and a direct message, and ignores the rest', async () => {
      const user = snowflake();
      await harness.linkedUser('viewer', user);
      const mention = await say(user, `<@${IDS.bot}> status`);
      assert.match(discordText((await replyTo(mention.id)).body), /Vigie \S+ is up/);
      const direct = await say(user, 'status', { dm: true });
      const dmReply = await replyTo(direct.id);
      assert.equal(dmReply.path, `/api/v10/channels/${IDS.dm}/messages`);
      assert.match(discordText(dmReply.body), /Vigie \S+ is up/);
      const ignoredBefore = (await harness.outcomes()).ignored ?? 0;
      const chatter = await say(user, 'anyone seen the vigie dashboard today?');
      const fromBot = harness.rawMessage({ author: snowflake(), content: '!vigie status', bot: true });
      harness.inject(fromBot);
      const ownMessage = harness.rawMessage({ author: IDS.bot, content: `!vigie status <@${IDS.bot}>`, bot: true });
      harness.inject(ownMessage);
      // The handler decides to ignore before its first await: counted by the time inject returns.
      assert.equal((await harness.outcomes()).ignored, ignoredBefore + 3);
      const marker = await say(user, '!vigie status');
      await replyTo(marker.id);
      assert.ok(!harness.discord.calls.some(isReplyTo(chatter.id)), 'a message that is not addressed to the bot is ignored');
      assert.ok(!harness.discord.calls.some(isReplyTo(String(fromBot.id))), 'bot messages never run commands');
      assert.ok(!harness.discord.calls.some(isReplyTo(String(ownMessage.id))), "nor do the bot's own");
    });

    it('refuses clearly outside DISCORD_CHANNELS and applies the per-channel tool allowlist', async () => {
      const user = snowflake();
      await harness.linkedUser('operator', user);
      const outside = await say(user, '!vigie status', { channel: IDS.other });
      assert.match(String((await replyTo(outside.id)).body.content), /does not take commands in this channel/);
      assert.equal(await conversationOf(user, IDS.other), null, 'nothing stored for a refused channel');
      const locked = await say(user, '!vigie net interfaces lo', { channel: IDS.locked });
      assert.match(String((await replyTo(locked.id)).body.content), /net_interfaces is not allowed in this channel/);
      const prisma = (await database).prisma;
      const conversation = await conversationOf(user, IDS.locked);
      assert.equal(await prisma.execution.count({ where: { conversationId: conversation!.id, status: 'succeeded' } }), 0);
    });

    it('keeps one conversation per thread, so memory follows the thread', async () => {
      const user = snowflake();
      await harness.linkedUser('operator', user);
      const first = await say(user, '!vigie how is the core router?', { channel: IDS.thread });
      await replyTo(first.id);
      const before = model.calls.length;
      const second = await say(user, `<@${IDS.bot}> and the standby one?`, { channel: IDS.thread });
      const streamed = await replyTo(second.id);
      await harness.discord.waitFor(
        (call) =>
          call.method === 'PATCH' && call.path === `/api/v10/channels/${IDS.thread}/messages/${streamed.id}` && call.body.content === REPLY,
      );
      const prisma = (await database).prisma;
      const conversations = await prisma.conversation.findMany({ where: { originChannel: 'discord', externalRef: { contains: user } } });
      assert.equal(conversations.length, 1);
      assert.equal(conversations[0]!.externalRef, `discord:${IDS.guild}:${IDS.thread}:${user}`);
      assert.equal(await prisma.message.count({ where: { conversationId: conversations[0]!.id } }), 4);
      const seen = model.calls
        .slice(before)
        .flat()
        .map((message) => String(message.content));
      assert.ok(
        seen.some((text) => text.includes('how is the core router?')),
        'the second turn remembers the first',
      );
      const userMessage = await prisma.message.findFirstOrThrow({ where: { conversationId: conversations[0]!.id, role: 'user' } });
      assert.equal(
        (userMessage.metadata as { externalIds?: Record<string, string> }).externalIds?.channelId,
        IDS.allowed,
        'the allowlist sees a thread as its parent channel',
      );
    });

    it('puts approvals behind buttons: a viewer is refused, an operator approves (gateway interactions)', async () => {
      const requester = snowflake();
      const viewer = snowflake();
      await harness.linkedUser('operator', requester);
      await harness.linkedUser('viewer', viewer);
      const command = await say(requester, '!vigie restart_service nginx-gateway');
      await replyTo(command.id);
      const card = await harness.discord.waitFor(
        (call) =>
          call.method === 'POST' &&
          call.path === `/api/v10/channels/${IDS.allowed}/messages` &&
          discordText(call.body).includes('restart_service') &&
          JSON.stringify(call.body).includes('vigie:approve:'),
      );
      const customId = /vigie:approve:[0-9a-f-]{36}/.exec(JSON.stringify(card.body))![0];
      const click = (user: string) => ({
        id: snowflake(),
        application_id: '800000000000000001',
        type: 3,
        token: `tok${snowflake()}`,
        guild_id: IDS.guild,
        channel_id: IDS.allowed,
        member: { user: { id: user } },
        data: { custom_id: customId },
      });
      const refused = click(viewer);
      harness.client.emit(Events.Raw as never, { t: 'INTERACTION_CREATE', d: refused } as never);
      const callback = await harness.discord.waitFor(
        (call) => call.path === `/api/v10/interactions/${refused.id}/${refused.token}/callback`,
      );
      assert.deepEqual(callback.body, { type: 6 });
      const ephemeral = await harness.discord.waitFor(
        (call) => call.method === 'POST' && call.path === `/api/v10/webhooks/800000000000000001/${refused.token}`,
      );
      assert.equal(ephemeral.body.flags, 64);
      assert.match(String(ephemeral.body.content), /^Not approved/);
      assert.ok(!calls.restarts.includes('nginx-gateway'));
      const approved = click(requester);
      harness.client.emit(Events.Raw as never, { t: 'INTERACTION_CREATE', d: approved } as never);
      const update = await harness.discord.waitFor((call) => call.method === 'PATCH' && call.path.includes(approved.token));
      assert.match(JSON.stringify(update.body), /Approved by/);
      assert.deepEqual(
        calls.restarts.filter((service) => service === 'nginx-gateway'),
        ['nginx-gateway'],
      );
    });

    it('runs a redelivered message id once', async () => {
      const user = snowflake();
      await harness.linkedUser('operator', user);
      const raw = harness.rawMessage({ author: user, content: '!vigie status' });
      harness.inject(raw);
      harness.inject(raw);
      const channel = harness.client.channels.cache.get(IDS.allowed) as TextChannel;
      const message = channel.messages.cache.get(String(raw.id)) as Message;
      const duplicatesBefore = (await harness.outcomes()).duplicate ?? 0;
      harness.client.emit(Events.MessageCreate, message as never);
      await replyTo(String(raw.id));
      await waitFor(async () => ((await harness.outcomes()).duplicate ?? 0) > duplicatesBefore);
      const marker = await say(user, '!vigie status');
      await replyTo(marker.id);
      assert.equal(harness.discord.calls.filter(isReplyTo(String(raw.id))).length, 1);
      const conversation = await conversationOf(user, IDS.allowed);
      assert.equal(
        await (await database).prisma.message.count({ where: { conversationId: conversation!.id } }),
        4,
        'two questions, two answers',
      );
    });

    it('splits a long answer under 2,000 characters and attaches a huge one', async () => {
      const user = snowflake();
      await harness.linkedUser('operator', user);
      const long = await say(user, '!vigie give me the long answer');
      const first = await replyTo(long.id);
      await harness.discord.waitFor(
        (call) =>
          call.method === 'PATCH' &&
          call.path.endsWith(`/messages/${first.id}`) &&
          LONG.startsWith(String(call.body.content)) &&
          String(call.body.content).length > 1_000,
      );
      const toChannel = () =>
        harness.discord.calls.filter(
          (call) => call.path.startsWith(`/api/v10/channels/${IDS.allowed}/messages`) && call.body.content !== undefined,
        );
      for (const call of toChannel()) assert.ok(String(call.body.content).length <= 2_000);
      await harness.discord.waitFor(
        (call) => call.method === 'POST' && !call.body.message_reference && LONG.endsWith(String(call.body.content)),
      );
      const final = harness.discord.calls.filter((call) => call.method === 'PATCH' && call.path.endsWith(`/messages/${first.id}`)).at(-1)!;
      const followUps = harness.discord.calls.filter(
        (call) =>
          call.method === 'POST' &&
          call.path === `/api/v10/channels/${IDS.allowed}/messages` &&
          !call.body.message_reference &&
          LONG.includes(String(call.body.content)),
      );
      assert.equal([final, ...followUps].map((call) => call.body.content).join('\n'), LONG);
      const huge = await say(user, '!vigie and now the huge answer');
      const hugeFirst = await replyTo(huge.id);
      const attached = await harness.discord.waitFor((call) => call.path.endsWith(`/messages/${hugeFirst.id}`) && call.files.length > 0);
      assert.equal(attached.files[0]!.name, 'answer.txt');
      assert.equal(attached.files[0]!.text, HUGE);
      assert.ok(String(attached.body.content).length <= 2_000);
    });

    it('renders knowledge_search citations as a Sources embed', async () => {
      const user = snowflake();
      await harness.linkedUser('viewer', user);
      const message = await say(user, '!vigie kb "fail over the core router"');
      const reply = await replyTo(message.id);
      // The result view (Components V2): the passage with its [n] marker, then the sources.
      const text = discordText(reply.body);
      assert.match(text, /1 passage for “fail over the core router”/);
      assert.match(text, /VRRP priority[^]*\[1\]/);
      assert.match(text, /\*\*Sources\*\*\n\[1\] .*Core router failover/);
    });

    it('survives malformed events and API errors, then keeps answering', async () => {
      const user = snowflake();
      await harness.linkedUser('operator', user);
      const malformedBefore = (await harness.outcomes()).malformed ?? 0;
      harness.client.emit(Events.MessageCreate, { id: 'not-a-snowflake' } as never);
      harness.client.emit(Events.MessageCreate, null as never);
      assert.equal((await harness.outcomes()).malformed, malformedBefore + 2);
      harness.client.emit(Events.Raw as never, null as never);
      harness.client.emit(Events.Raw as never, { t: 'INTERACTION_CREATE', d: { id: 'x', type: 3 } } as never);
      const tooLong = await say(user, `!vigie ${'x'.repeat(5_000)}`);
      assert.match(String((await replyTo(tooLong.id)).body.content), /limited to 4000 characters/);
      harness.discord.failNext(`/channels/${IDS.allowed}/messages`, 429, 1);
      const afterRateLimit = await say(user, '!vigie status');
      assert.match(discordText((await replyTo(afterRateLimit.id)).body), /Vigie \S+ is up/);
    });
  });
}

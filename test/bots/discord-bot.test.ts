/**
 * The Discord adapter end to end on every backend: Ed25519-signed interactions into our real
 * app, the real pipeline and database, and a fake Discord REST API over real HTTP driven by
 * discord.js's REST client.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KeyObject } from 'node:crypto';
import { turnMessages } from '../../src/bots/discord/discord-render.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { createLexicalEmbedder } from '../../src/inference/lexical-embedder.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { testBackends } from '../support/test-databases.js';
import { testOpsToolset, type ToolCalls } from '../agents/support/test-toolsets.js';
import { discordKeys, discordSignature, discordText, startFakeDiscord, type FakeDiscord } from './support/fake-discord.js';
import { startSlackTestApp, type SlackTestApp } from './support/slack-test-app.js';
import type { TurnResult } from '../../src/agents/agent-service.js';

const snowflake = () => String(randomInt(1, 2 ** 47)) + String(randomInt(100_000, 999_999));
const GUILD = '900000000000000001';

describe('discord rendering', () => {
  it('splits long answers at 2,000 characters and keeps every character', () => {
    const content = Array.from({ length: 120 }, (_, index) => `line ${index} ${'x'.repeat(40)}`).join('\n');
    const messages = turnMessages({ message: { content }, executions: [], route: 'command' } as unknown as TurnResult);
    assert.ok(messages.length >= 3);
    for (const message of messages) assert.ok(message.content!.length <= 2_000);
    assert.equal(messages.map((message) => message.content).join('\n'), content);
  });
});

for (const backend of testBackends()) {
  describe(`discord bot on ${backend.name}`, { timeout: 60_000 }, () => {
    let harness: SlackTestApp;
    let discord: FakeDiscord;
    let privateKey: KeyObject;
    let url: string;
    const calls: ToolCalls = { restarts: [], wipes: [], slowStarted: 0 };
    const database = backend.open();

    const interaction = (user: string, fields: Record<string, unknown>) => ({
      id: snowflake(),
      application_id: '800000000000000001',
      token: `tok${snowflake()}`,
      guild_id: GUILD,
      channel_id: '700000000000000001',
      member: { user: { id: user, username: 'someone' } },
      ...fields,
    });
    const ask = (user: string, text: string) =>
      interaction(user, {
        type: 2,
        data: { name: 'vigie', options: [{ name: 'ask', type: 1, options: [{ name: 'text', value: text }] }] },
      });
    const send = async (payload: unknown, key = privateKey, timestamp?: number) => {
      const body = JSON.stringify(payload);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...discordSignature(key, body, timestamp) },
        body,
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const edited = (token: string, check: (body: Record<string, unknown>) => boolean = () => true) =>
      discord.waitFor(
        (call) => call.method === 'PATCH' && call.path.includes(token) && call.path.endsWith('/messages/@original') && check(call.body),
      );

    before(async () => {
      discord = await startFakeDiscord();
      const keys = discordKeys();
      privateKey = keys.privateKey;
      harness = await startSlackTestApp(await database, {
        tools: { toolsets: [coreToolset(await database), testOpsToolset(calls)] },
        config: {
          DISCORD_PUBLIC_KEY: keys.publicKeyHex,
          DISCORD_API_URL: discord.apiUrl,
          DISCORD_TOKEN: 'bot-token',
          DISCORD_APPLICATION_ID: '800000000000000001',
          DISCORD_GUILD_ID: GUILD,
        },
      });
      url = `${harness.url}/discord/interactions`;
    });
    after(async () => {
      await harness?.bots.discordGateway?.stop();
      await harness?.close();
      await discord?.close();
      await (await database).close();
    });

    it('registers /vigie and its subcommands for the guild at start-up', async () => {
      const registration = await discord.waitFor(
        (call) => call.method === 'PUT' && call.path === `/api/v10/applications/800000000000000001/guilds/${GUILD}/commands`,
      );
      const [definition] = registration.body as unknown as Array<{ name: string; options: Array<{ name: string }> }>;
      assert.equal(definition!.name, 'vigie');
      assert.deepEqual(
        definition!.options.map((option) => option.name),
        ['ask', 'net', 'qos', 'services', 'kb', 'dedup'],
      );
      assert.equal(
        (definition as unknown as { description_localizations: { fr: string } }).description_localizations.fr,
        'Interroger Vigie ou lancer une commande',
      );
    });

    it('answers PING and refuses bad or stale signatures with 401', async () => {
      assert.deepEqual((await send({ id: snowflake(), application_id: '1', type: 1, token: 't' })).body, { type: 1 });
      const forged = await send(ask(snowflake(), 'status'), discordKeys().privateKey);
      assert.equal(forged.status, 401);
      const stale = await send(ask(snowflake(), 'status'), privateKey, Math.floor(Date.now() / 1000) - 3_600);
      assert.equal(stale.status, 401);
      // BODY_LIMIT (1mb by default) applies to the interactions endpoint too.
      const tooLarge = await send({ ...ask(snowflake(), 'status'), padding: 'x'.repeat(1_500_000) });
      assert.equal(tooLarge.status, 413);
      assert.equal(tooLarge.body.error && (tooLarge.body.error as { code: string }).code, 'payload_too_large');
    });

    it('defers a slash command and edits the reply with the tool result, once per interaction', async () => {
      const user = snowflake();
      await harness.linkedUser('operator', user, 'discord', GUILD);
      const payload = ask(user, 'status');
      const response = await send(payload);
      assert.deepEqual(response.body, { type: 5 });
      assert.deepEqual((await send(payload)).body, { type: 5 }, 'a redelivery is acknowledged');
      await edited(payload.token, (body) => /Vigie \S+ is up/.test(discordText(body)));
      const prisma = (await database).prisma;
      const conversation = await prisma.conversation.findFirstOrThrow({
        where: { originChannel: 'discord', externalRef: `discord:${GUILD}:700000000000000001:${user}` },
      });
      assert.equal(await prisma.message.count({ where: { conversationId: conversation.id } }), 2);
      assert.equal(discord.calls.filter((call) => call.path.includes(payload.token)).length, 1);
    });

    it('approves with a button for an operator, refuses a viewer', async () => {
      const requester = snowflake();
      const viewer = snowflake();
      await harness.linkedUser('operator', requester, 'discord', GUILD);
      await harness.linkedUser('viewer', viewer, 'discord', GUILD);
      const payload = ask(requester, 'restart_service nginx-discord');
      await send(payload);
      const card = await discord.waitFor(
        (call) => call.method === 'POST' && call.path.includes(payload.token) && JSON.stringify(call.body).includes('vigie:approve:'),
      );
      const customId = /vigie:approve:[0-9a-f-]{36}/.exec(JSON.stringify(card.body))![0];
      const click = (user: string) => interaction(user, { type: 3, data: { custom_id: customId } });
      const refused = click(viewer);
      assert.deepEqual((await send(refused)).body, { type: 6 });
      const ephemeral = await discord.waitFor((call) => call.method === 'POST' && call.path.includes(refused.token));
      assert.equal(ephemeral.body.flags, 64);
      assert.match(String(ephemeral.body.content), /^Not approved/);
      assert.ok(!calls.restarts.includes('nginx-discord'));
      const approved = click(requester);
      await send(approved);
      const update = await edited(approved.token);
      assert.match(JSON.stringify(update.body), /Approved by/);
      assert.deepEqual(
        calls.restarts.filter((service) => service === 'nginx-discord'),
        ['nginx-discord'],
      );
    });

    it('answers /vigie kb with the Sources embed, and sees a thread as its parent channel', async () => {
      const db = await database;
      await new KnowledgeBase(db, createLexicalEmbedder()).ingestBytes({
        bytes: Buffer.from('# VPN outage\n\nRestart the IPsec tunnel on the edge firewall, then check the phase 2 counters.\n'),
        contentType: 'text/markdown',
        title: 'VPN outage',
      });
      const user = snowflake();
      const payload = interaction(user, {
        type: 2,
        channel_id: '700000000000000009',
        channel: { type: 11, parent_id: '700000000000000001' },
        data: { name: 'vigie', options: [{ name: 'kb', type: 1, options: [{ name: 'text', value: 'ipsec tunnel' }] }] },
      });
      assert.deepEqual((await send(payload)).body, { type: 5 });
      const reply = await edited(payload.token);
      // The result view (Components V2): passages with [n] markers, then the sources.
      const text = discordText(reply.body);
      assert.match(text, /1 passage for “ipsec tunnel”/);
      assert.match(text, /Restart the IPsec tunnel.* \[1\]/);
      assert.match(text, /\*\*Sources\*\*\n\[1\] \*\*VPN outage\*\*/);
      const conversation = await db.prisma.conversation.findFirstOrThrow({
        where: { originChannel: 'discord', externalRef: `discord:${GUILD}:700000000000000009:${user}` },
      });
      const execution = await db.prisma.execution.findFirstOrThrow({ where: { conversationId: conversation.id } });
      assert.equal((execution.externalIds as Record<string, string>).channelId, '700000000000000001');
      assert.equal((execution.externalIds as Record<string, string>).threadId, '700000000000000009');
    });

    it('rejects malformed interactions with a clear error', async () => {
      const body = '{"type":';
      const garbage = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...discordSignature(privateKey, body) },
        body,
      });
      assert.equal(garbage.status, 400);
      const unknown = await send(interaction(snowflake(), { type: 2, data: { name: 'vigie', options: [{ name: 'reboot', type: 1 }] } }));
      assert.equal(unknown.body.type, 4);
      const forgedButton = await send(interaction(snowflake(), { type: 3, data: { custom_id: 'vigie:approve:../../etc' } }));
      assert.equal(forgedButton.body.type, 4);
      const noUser = await send({ id: snowflake(), application_id: '1', type: 2, token: 't' });
      assert.equal(noUser.status, 400);
    });

    it('answers a French Discord client (interaction.locale) in French, and ignores hostile locales', async () => {
      const user = snowflake();
      const viewer = snowflake();
      await harness.linkedUser('operator', user, 'discord', GUILD);
      await harness.linkedUser('viewer', viewer, 'discord', GUILD);
      const french = { ...ask(user, 'aide'), locale: 'fr' };
      assert.deepEqual((await send(french)).body, { type: 5 });
      const help = await edited(french.token);
      assert.match(String(help.body.content), /^Commandes \(tapez « aide <commande> »/);
      const stored = await (
        await database
      ).prisma.message.findFirstOrThrow({ where: { content: 'aide', metadata: { path: ['locale'], equals: 'fr' } } });
      assert.equal(stored.role, 'user');
      // The guild's language when the client's is missing; unknown subcommands refused in French.
      const unknown = await send(
        interaction(user, { type: 2, guild_locale: 'fr', data: { name: 'vigie', options: [{ name: 'reboot', type: 1 }] } }),
      );
      assert.match(String((unknown.body.data as { content: string }).content), /^Sous-commande \/vigie inconnue/);
      // A French viewer's refused approval reads in French.
      const pending = ask(user, 'restart_service nginx-fr');
      await send(pending);
      const card = await discord.waitFor(
        (call) => call.method === 'POST' && call.path.includes(pending.token) && JSON.stringify(call.body).includes('vigie:approve:'),
      );
      const customId = /vigie:approve:[0-9a-f-]{36}/.exec(JSON.stringify(card.body))![0];
      const refused = interaction(viewer, { type: 3, locale: 'fr-FR', data: { custom_id: customId } });
      await send(refused);
      const ephemeral = await discord.waitFor((call) => call.method === 'POST' && call.path.includes(refused.token));
      assert.match(String(ephemeral.body.content), /^Non approuvé/);
      // Hostile locales are dropped (English), never a crash or a 400.
      for (const locale of ['fr\u0000', 'x'.repeat(5_000), '<script>', 42, { fr: true }, '\uD800']) {
        const payload = { ...ask(user, 'aide'), locale };
        assert.deepEqual((await send(payload)).body, { type: 5 }, String(locale).slice(0, 20));
        assert.match(String((await edited(payload.token)).body.content), /^Commands \(type "help <command>"/);
      }
    });
  });
}

/**
 * Slack and Discord when a dependency is down: with Redis stopped (a private redis-server)
 * or PostgreSQL stopped (a private server started with initdb/pg_ctl), a slash command, a
 * mention and a Discord `/vigie ask` are each answered with the "retry" line, never the
 * generic internal-error line and never silence; once the dependency is back, the same
 * requests are answered normally, with nothing restarted.
 */
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { INTERNAL_ERROR_REPLY, RETRY_LATER_REPLY } from '../../src/bots/bot-unavailable.js';
import { openMigratedDatabase, type Database } from '../../src/db/database.js';
import { connectRedis } from '../../src/redis.js';
import { coreToolset } from '../../src/tools/core/core-toolset.js';
import { RedisProcess } from '../realtime/support/redis-process.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { testBackends } from '../support/test-databases.js';
import { discordKeys, discordSignature, discordText, startFakeDiscord } from './support/fake-discord.js';
import { eventBody, postToSlackEndpoint, slashCommandBody } from './support/fake-slack.js';
import { SIGNING_SECRET, startSlackTestApp } from './support/slack-test-app.js';

const REDIS_PORT = Number(process.env.VIGIE_BOTS_OUTAGE_REDIS_PORT ?? 41_021);
const PG_PORT = Number(process.env.VIGIE_BOTS_OUTAGE_PG_PORT ?? 41_031);
const GUILD = '900000000000000002';
const APPLICATION = '800000000000000002';
const snowflake = () => String(randomInt(1, 2 ** 47)) + String(randomInt(100_000, 999_999));

/** Slack + Discord over one app, and the three chat requests the scenarios send. */
async function chatHarness(database: Database, redis?: Redis) {
  const discord = await startFakeDiscord();
  const keys = discordKeys();
  const harness = await startSlackTestApp(database, {
    ...(redis ? { redis } : {}),
    tools: { toolsets: [coreToolset(database)] },
    config: {
      DISCORD_PUBLIC_KEY: keys.publicKeyHex,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_TOKEN: 'bot-token',
      DISCORD_APPLICATION_ID: APPLICATION,
      DISCORD_GUILD_ID: GUILD,
    },
  });
  const slackUser = `UOUT${randomUUID().slice(0, 6).toUpperCase()}`;
  const discordUser = snowflake();
  await harness.linkedUser('operator', slackUser);
  await harness.linkedUser('operator', discordUser, 'discord', GUILD);
  return {
    harness,
    discord,
    /** A slash command; resolves with the first ephemeral reply sent to a response_url after it. */
    async command(text: string): Promise<string> {
      const trigger = `out-${randomUUID()}`;
      const from = harness.slack.calls.length;
      const body = slashCommandBody({
        user: slackUser,
        text,
        trigger,
        responseUrl: `${harness.slack.url}/response/${trigger}`,
      });
      const response = await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/x-www-form-urlencoded');
      assert.equal(response.status, 200, 'a slash command is always acked');
      const reply = await harness.slack.waitFor(
        (call) => call.method === 'response_url' && harness.slack.calls.indexOf(call) >= from,
        20_000,
      );
      return String(reply.params.text);
    },
    /** An @mention; resolves with the whisper or the thread answer. */
    async mention(text: string): Promise<string> {
      const ts = `1700009${randomInt(100, 999)}.${randomInt(100_000, 999_999)}`;
      const body = eventBody(`Ev${randomUUID().slice(0, 12)}`, {
        type: 'app_mention',
        user: slackUser,
        channel: 'CMAIN',
        text: `<@UBOT> ${text}`,
        ts,
      });
      assert.equal((await postToSlackEndpoint(harness.eventsUrl, SIGNING_SECRET, body, 'application/json')).status, 200);
      const reply = await harness.slack.waitFor(
        (call) => (call.method === 'chat.postEphemeral' || call.method === 'chat.postMessage') && call.params.thread_ts === ts,
        20_000,
      );
      return String(reply.params.text);
    },
    /** A Discord `/vigie ask`; resolves with the immediate response or the edited deferred reply. */
    async ask(text: string): Promise<string> {
      const token = `tok${snowflake()}`;
      const payload = {
        id: snowflake(),
        application_id: APPLICATION,
        token,
        guild_id: GUILD,
        channel_id: '700000000000000002',
        member: { user: { id: discordUser, username: 'someone' } },
        type: 2,
        data: {
          name: 'vigie',
          options: [{ name: 'ask', type: 1, options: [{ name: 'text', value: text }] }],
        },
      };
      const raw = JSON.stringify(payload);
      const response = await fetch(`${harness.url}/discord/interactions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...discordSignature(keys.privateKey, raw),
        },
        body: raw,
      });
      assert.equal(response.status, 200);
      const answer = (await response.json()) as {
        type: number;
        data?: { content?: string };
      };
      if (answer.type === 4) return discordText(answer.data);
      assert.equal(answer.type, 5);
      const edit = await discord.waitFor((call) => call.method === 'PATCH' && call.path.includes(token), 20_000);
      return discordText(edit.body);
    },
    async close() {
      await harness.bots.discordGateway?.stop();
      await harness.close();
      await discord.close();
    },
  };
}

type ChatHarness = Awaited<ReturnType<typeof chatHarness>>;

async function expectRetryEverywhere(chat: ChatHarness): Promise<void> {
  const replies = {
    command: await chat.command('status'),
    mention: await chat.mention('status'),
    ask: await chat.ask('status'),
  };
  for (const [where, text] of Object.entries(replies)) {
    assert.notEqual(text, INTERNAL_ERROR_REPLY, `${where}: not the generic error`);
    assert.equal(text, RETRY_LATER_REPLY, `${where}: ${text}`);
  }
}

describe(
  'chat bots while Redis is down',
  {
    timeout: 180_000,
    skip: process.env.REDIS_URL ? false : 'needs redis-server (runs with REDIS_URL set)',
  },
  () => {
    const server = new RedisProcess(REDIS_PORT);
    let redis: Redis;
    let database: Database;
    let chat: ChatHarness;
    before(async () => {
      await server.start();
      redis = await connectRedis(server.url, pino({ level: 'silent' }));
      database = await testBackends()[0]!.open();
      chat = await chatHarness(database, redis);
    });
    after(async () => {
      await chat?.close();
      redis?.disconnect();
      await database?.close();
      await server.stop();
    });

    it('asks the user to retry, then answers once Redis is back', async () => {
      assert.match(await chat.ask('status'), /Vigie \S+ is up/);
      await server.stop();
      for (let attempt = 0; attempt < 100 && redis.status === 'ready'; attempt += 1)
        await new Promise((resolve) => setTimeout(resolve, 100));
      await expectRetryEverywhere(chat);
      await server.start();
      for (let attempt = 0; attempt < 150 && redis.status !== 'ready'; attempt += 1)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(await chat.ask('status'), /Vigie \S+ is up/);
      assert.match(await chat.mention('status'), /Vigie \S+ is up/);
    });
  },
);

describe(
  'chat bots while PostgreSQL is down',
  {
    timeout: 180_000,
    skip: process.env.DATABASE_URL ? false : 'needs PostgreSQL binaries (runs with DATABASE_URL set)',
  },
  () => {
    let server: PrivatePostgres;
    let database: Database;
    let chat: ChatHarness;
    before(async () => {
      server = await startPrivatePostgres(PG_PORT);
      database = (
        await openMigratedDatabase({
          backend: 'postgres',
          url: server.url,
          poolSize: 4,
        })
      ).database;
      chat = await chatHarness(database);
    });
    after(async () => {
      await chat?.close();
      await database?.close().catch(() => undefined);
      await server?.destroy();
    });

    it('asks the user to retry, then answers once PostgreSQL is back', async () => {
      assert.match(await chat.ask('status'), /Vigie \S+ is up/);
      await server.stop();
      await expectRetryEverywhere(chat);
      await server.start();
      let recovered = '';
      for (let attempt = 0; attempt < 30 && !/Vigie \S+ is up/.test(recovered); attempt += 1) {
        recovered = await chat.ask('status');
        if (!/Vigie \S+ is up/.test(recovered)) await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.match(recovered, /Vigie \S+ is up/);
      assert.match(await chat.mention('status'), /Vigie \S+ is up/);
    });
  },
);

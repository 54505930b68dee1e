/**
 * The gateway as start-up wires it: with DISCORD_TOKEN the node takes the `discord-gateway`
 * lease (held at once without Redis) and logs in through discord.js against the fake
 * Discord API, which refuses the token; the failure is logged and retried with backoff on a
 * fresh client, never crashing, and stop() ends the retries and hands the lease back. Bad or
 * disabling settings leave the gateway off with a log line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Router } from 'express';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/agent-service.js';
import { startBots, type BotsConfig } from '../../src/bots/bot-wiring.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { BuiltCore } from '../../src/core/core-services-builder.js';
import { createApp, type App } from '../../src/server/app.js';
import { startTestCore } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';
import { waitFor } from '../agents/support/test-toolsets.js';
import { startFakeDiscord, type FakeDiscord } from './support/fake-discord.js';

const [backend] = testBackends();

describe('discord gateway settings', () => {
  it('defaults to the gateway on, "!vigie" and every channel; rejects bad values by name', () => {
    const config = loadConfig({});
    assert.equal(config.DISCORD_GATEWAY, true);
    assert.equal(config.DISCORD_COMMAND_PREFIX, '!vigie');
    assert.equal(config.DISCORD_CHANNELS, undefined);
    assert.equal(loadConfig({ DISCORD_CHANNELS: '123456789012345678, dm' }).DISCORD_CHANNELS, '123456789012345678, dm');
    for (const [name, value] of [
      ['DISCORD_CHANNELS', '#ops'],
      ['DISCORD_CHANNELS', '123,,456'],
      ['DISCORD_COMMAND_PREFIX', 'hey vigie'],
      ['DISCORD_GATEWAY', 'maybe'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (error: unknown) => error instanceof ConfigError && error.message.includes(name),
        `${name}=${value}`,
      );
    }
  });
});

describe('discord gateway start-up', { timeout: 60_000 }, () => {
  let database: Database;
  let app: App;
  let core: BuiltCore;
  let discord: FakeDiscord;
  let agent: AgentService;
  const lines: Array<{ msg: string; retryInMs?: number; err?: { message?: string } }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  const base: BotsConfig = {
    SLACK_BOT_TOKEN: undefined,
    SLACK_SIGNING_SECRET: undefined,
    SLACK_APP_TOKEN: undefined,
    SLACK_API_URL: undefined,
    DISCORD_TOKEN: undefined,
    DISCORD_PUBLIC_KEY: undefined,
    DISCORD_APPLICATION_ID: undefined,
    DISCORD_API_URL: undefined,
    DISCORD_GUILD_ID: undefined,
    BOTS_UNMAPPED_USERS: 'viewer',
  };
  const gatewayCalls = () => discord.calls.filter((call) => call.path === '/api/v10/gateway/bot').length;

  before(async () => {
    database = await backend!.open();
    discord = await startFakeDiscord();
    core = startTestCore(database);
    app = createApp({ core });
    agent = new AgentService({ prisma: database.prisma, tools: app.tools, logger: pino({ level: 'silent' }) });
  });
  after(async () => {
    await app.close();
    await core.close();
    await discord.close();
    await database.close();
  });

  it('holds the lease, retries a refused login with backoff, and stops cleanly', async () => {
    const running = startBots({
      config: { ...base, DISCORD_TOKEN: 'bad-token', DISCORD_API_URL: discord.apiUrl, DISCORD_CHANNELS: '123456789012345678' },
      core: app.core,
      agent,
      router: Router(),
      logger,
    });
    assert.ok(running.discordGateway);
    assert.ok(lines.some((line) => line.msg.startsWith('discord gateway enabled: "!vigie <command>" and mentions in 1 channel(s)')));
    await waitFor(async () => gatewayCalls() >= 2, 15_000);
    const failures = lines.filter((line) => line.msg === 'discord gateway login failed; retrying');
    assert.ok(failures.length >= 1);
    assert.equal(failures[0]!.retryInMs, 1_000);
    assert.match(String(failures[0]!.err?.message), /invalid token/i);
    assert.equal(running.discordGateway.lease.held, true);
    const gauge = await app.metrics.getSingleMetric('vigie_bot_connection_lease_held')?.get();
    assert.equal(gauge?.values.find((value) => value.labels.connection === 'discord-gateway')?.value, 1);
    await running.discordGateway.stop();
    assert.equal(running.discordGateway.lease.held, false);
    assert.equal(running.discordGateway.gateway.connected, false);
    const attempts = gatewayCalls();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(gatewayCalls(), attempts, 'no login attempt after stop()');
  });

  it('stays off with a log line when disabled or misconfigured', () => {
    const off = startBots({
      config: { ...base, DISCORD_TOKEN: 'token', DISCORD_GATEWAY: false },
      core: app.core,
      agent,
      router: Router(),
      logger,
    });
    assert.equal(off.discordGateway, undefined);
    const bad = startBots({
      config: { ...base, DISCORD_TOKEN: 'token', DISCORD_CHANNELS: 'general' },
      core: app.core,
      agent,
      router: Router(),
      logger,
    });
    assert.equal(bad.discordGateway, undefined);
    const none = startBots({ config: base, core: app.core, agent, router: Router(), logger });
    assert.equal(none.discordGateway, undefined);
    const messages = lines.map((line) => line.msg);
    assert.ok(messages.includes('discord gateway disabled: DISCORD_GATEWAY=false'));
    assert.ok(messages.includes('discord gateway disabled: DISCORD_CHANNELS must be comma-separated channel ids, "dm" or "*"'));
    assert.ok(messages.includes('discord gateway disabled: DISCORD_TOKEN not set'));
  });
});

/**
 * Bot configuration: defaults, bad values rejected at start-up with the variable's name, and
 * adapters without (or with broken) credentials disabled with a log line instead of a crash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Router } from 'express';
import { pino } from 'pino';
import { AgentService } from '../../src/agents/agent-service.js';
import { startBots } from '../../src/bots/bot-wiring.js';
import { memoryDeliveryDedupe } from '../../src/bots/delivery-dedupe.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { BuiltCore } from '../../src/core/core-services-builder.js';
import { createApp, type App } from '../../src/server/app.js';
import { startTestCore } from '../support/test-app.js';
import { testBackends } from '../support/test-databases.js';

describe('bot configuration', () => {
  it('defaults to no bots and viewer for unmapped users', () => {
    const config = loadConfig({});
    assert.equal(config.SLACK_BOT_TOKEN, undefined);
    assert.equal(config.BOTS_UNMAPPED_USERS, 'viewer');
  });

  it('rejects bad values with the variable name', () => {
    assert.throws(
      () => loadConfig({ BOTS_UNMAPPED_USERS: 'admin' }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('BOTS_UNMAPPED_USERS'),
    );
    assert.throws(
      () => loadConfig({ SLACK_API_URL: 'ftp://slack' }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('SLACK_API_URL'),
    );
    assert.throws(
      () => loadConfig({ SLACK_APP_TOKEN: 'xoxb-a-bot-token' }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('SLACK_APP_TOKEN'),
    );
    assert.equal(loadConfig({ SLACK_APP_TOKEN: 'xapp-1-A1-123-abc' }).SLACK_APP_TOKEN, 'xapp-1-A1-123-abc');
    assert.equal(loadConfig({}).SLACK_CONCURRENT_TURNS, 32);
    assert.throws(
      () => loadConfig({ SLACK_CONCURRENT_TURNS: '0' }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('SLACK_CONCURRENT_TURNS'),
    );
  });

  it('claims a delivery once', async () => {
    const dedupe = memoryDeliveryDedupe(60_000, 2);
    assert.equal(await dedupe.claim('a'), true);
    assert.equal(await dedupe.claim('a'), false);
    assert.equal(await dedupe.claim('b'), true);
    assert.equal(await dedupe.claim('c'), true);
  });
});

const [backend] = testBackends();
describe('bot start-up without credentials', () => {
  let database: Database;
  let app: App;
  let core: BuiltCore;
  const lines: string[] = [];
  before(async () => {
    database = await backend!.open();
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    core = startTestCore(database);
    app = createApp({ core });
    const agent = new AgentService({ prisma: database.prisma, tools: app.tools, logger });
    const base = {
      SLACK_BOT_TOKEN: undefined,
      SLACK_SIGNING_SECRET: undefined,
      SLACK_APP_TOKEN: undefined,
      SLACK_API_URL: undefined,
      DISCORD_TOKEN: undefined,
      DISCORD_APPLICATION_ID: undefined,
      DISCORD_API_URL: undefined,
      DISCORD_GUILD_ID: undefined,
      BOTS_UNMAPPED_USERS: 'viewer' as const,
    };
    const none = startBots({ config: { ...base, DISCORD_PUBLIC_KEY: undefined }, core: app.core, agent, router: Router(), logger });
    assert.equal(none.slack, undefined);
    const broken = startBots({ config: { ...base, DISCORD_PUBLIC_KEY: 'not-hex' }, core: app.core, agent, router: Router(), logger });
    assert.equal(broken.discord, undefined);
  });
  after(async () => {
    await app.close();
    await core.close();
    await database.close();
  });

  it('logs why each adapter is off and never throws', () => {
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    assert.ok(
      messages.includes('slack disabled: SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) not set'),
    );
    assert.ok(messages.includes('discord disabled: DISCORD_PUBLIC_KEY not set'));
    assert.ok(messages.some((message) => message.startsWith('discord disabled: DISCORD_PUBLIC_KEY must be 64 hexadecimal characters')));
  });
});

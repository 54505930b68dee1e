/**
 * Boots the real app, agent and chat path with the Discord gateway built as bot-wiring.ts
 * builds it (BotTurns, identities, dedupe, the production messageCreate handler), its REST
 * pointed at the fake Discord API. No gateway login: the guild, its channels and a thread are
 * put in the client's cache as a GUILD_CREATE would, and messages are injected through
 * discord.js's own MessageCreate action.
 */
import { randomInt } from 'node:crypto';
import { ClientUser, type Client } from 'discord.js';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { identityLinker, userCreator } from '../../../src/actions/users.js';
import { AgentService, type AgentModel } from '../../../src/agents/agent-service.js';
import type { Role } from '../../../src/auth/roles.js';
import { BotIdentities } from '../../../src/bots/bot-identities.js';
import { BotTurns } from '../../../src/bots/bot-turns.js';
import { memoryDeliveryDedupe, redisDeliveryDedupe } from '../../../src/bots/delivery-dedupe.js';
import { createDiscordGateway, type DiscordGateway } from '../../../src/bots/discord/discord-gateway.js';
import { parseDiscordChannels } from '../../../src/bots/discord/discord-messages.js';
import type { Database } from '../../../src/db/database.js';
import type { CoreOptions } from '../../../src/core/core-services-builder.js';
import type { App } from '../../../src/server/app.js';
import { startTestApp } from '../../support/test-app.js';
import { FAKE_BOT_ID, startFakeDiscord, type FakeDiscord } from './fake-discord.js';

/** Ids of the test guild. */
export const IDS = {
  guild: '910000000000000001',
  allowed: '920000000000000001',
  locked: '920000000000000002',
  other: '920000000000000003',
  thread: '930000000000000001',
  dm: '940000000000000001',
  bot: FAKE_BOT_ID,
};

/** A random Discord id. */
export const snowflake = () => `${randomInt(1, 2 ** 47)}${randomInt(100_000, 999_999)}`;

/** A running app with the gateway handler and the fake REST API. */
export interface DiscordTestApp {
  app: App;
  discord: FakeDiscord;
  gateway: DiscordGateway;
  client: Client;
  /** Creates a Vigie user linked to a Discord user of the test guild. */
  linkedUser(role: Role, discordId: string): Promise<string>;
  /** A raw MESSAGE_CREATE payload, as the gateway delivers it. */
  rawMessage(fields: {
    author: string;
    content: string;
    channel?: string;
    dm?: boolean;
    bot?: boolean;
    id?: string;
  }): Record<string, unknown>;
  /** Injects a raw message through discord.js's MessageCreate action. */
  inject(raw: Record<string, unknown>): void;
  /** vigie_discord_gateway_messages_total by outcome. */
  outcomes(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** Starts app + gateway handler + fake Discord. */
export async function startDiscordTestApp(
  database: Database,
  options: { tools?: CoreOptions['tools']; redis?: Redis; model?: AgentModel; channels?: string } = {},
): Promise<DiscordTestApp> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const discord = await startFakeDiscord();
  // The shared app fixture (admin token, listening on an ephemeral port).
  const base = await startTestApp(database, { redis: options.redis, ...(options.tools ? { tools: options.tools } : {}) });
  const { app } = base;
  await app.tools.start();
  const agent = new AgentService({ prisma: database.prisma, tools: app.tools, logger, events: app.context.events, model: options.model });
  const turns = new BotTurns({
    prisma: database.prisma,
    events: app.context.events,
    agent,
    identities: new BotIdentities(database.prisma, app.context.audit, 'viewer'),
    metrics: app.metrics,
  });
  const gateway = createDiscordGateway({
    token: 'bot-token',
    apiUrl: discord.apiUrl,
    prefix: '!vigie',
    channels: parseDiscordChannels(options.channels ?? `${IDS.allowed},${IDS.locked},dm`),
    turns,
    approvals: app.tools.approvals,
    dedupe: options.redis ? redisDeliveryDedupe(options.redis) : memoryDeliveryDedupe(),
    logger,
    metrics: app.metrics,
  });
  const client = gateway.client;
  // What READY and GUILD_CREATE put in the cache on a real connection.
  const internals = client as unknown as {
    user: ClientUser;
    guilds: { _add(data: unknown): unknown };
    actions: { MessageCreate: { handle(data: unknown): unknown } };
  };
  const ClientUserClass = ClientUser as unknown as new (client: Client, data: unknown) => ClientUser;
  internals.user = new ClientUserClass(client, { id: IDS.bot, username: 'vigie', discriminator: '0', bot: true });
  internals.guilds._add({
    id: IDS.guild,
    name: 'ops',
    channels: [IDS.allowed, IDS.locked, IDS.other].map((id, index) => ({
      id,
      type: 0,
      name: `channel-${index}`,
      guild_id: IDS.guild,
      position: index,
    })),
    threads: [
      {
        id: IDS.thread,
        type: 11,
        name: 'incident-42',
        guild_id: IDS.guild,
        parent_id: IDS.allowed,
        thread_metadata: { archived: false, locked: false, auto_archive_duration: 1440 },
      },
    ],
    roles: [],
    members: [],
  });
  const system = { userId: '', userName: 'test', channel: 'system' as const };
  return {
    app,
    discord,
    gateway,
    client,
    async linkedUser(role, discordId) {
      const user = await userCreator(database.prisma, app.context.audit, system, {
        name: `discord-${role}-${discordId}-${Math.random().toString(36).slice(2, 6)}`,
        role,
      });
      await identityLinker(database.prisma, app.context.audit, system, user.id, {
        provider: 'discord',
        externalId: discordId,
        workspace: IDS.guild,
      });
      return user.id;
    },
    rawMessage(fields) {
      const channel = fields.dm ? IDS.dm : (fields.channel ?? IDS.allowed);
      return {
        id: fields.id ?? snowflake(),
        type: 0,
        channel_id: channel,
        ...(fields.dm ? { channel_type: 1 } : { guild_id: IDS.guild }),
        author: { id: fields.author, username: `user${fields.author.slice(-4)}`, discriminator: '0', ...(fields.bot ? { bot: true } : {}) },
        content: fields.content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
      };
    },
    inject(raw) {
      internals.actions.MessageCreate.handle(raw);
    },
    async outcomes() {
      const metric = await app.metrics.getSingleMetric('vigie_discord_gateway_messages_total')?.get();
      return Object.fromEntries((metric?.values ?? []).map((value) => [String(value.labels.outcome), value.value]));
    },
    async close() {
      await gateway.close();
      await base.close();
      await discord.close();
    },
  };
}

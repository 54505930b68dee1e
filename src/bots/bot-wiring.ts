/**
 * Composition helper: starts the chat adapters whose credentials are configured and says in
 * one log line why the others are off. Nothing here may crash start-up: a Slack outage at
 * boot is logged and the events endpoint keeps answering once Slack is back.
 */
import type { Redis } from 'ioredis';
import type { Router } from 'express';
import type { AgentService } from '../agents/agent-service.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { CoreServices } from '../core/core-services.js';
import type { IncidentActions } from '../incidents/incident-service.js';
import { BotIdentities } from './bot-identities.js';
import { BotTurns } from './bot-turns.js';
import { memoryDeliveryDedupe, redisDeliveryDedupe } from './delivery-dedupe.js';
import { createSlackBot, type SlackBot } from './slack/slack-bot.js';
import { createDiscordBot } from './discord/discord-bot.js';
import { startDiscordGateway, type DiscordGatewayConfig, type RunningDiscordGateway } from './discord/discord-gateway-wiring.js';

/** The configuration the bots read. */
export type BotsConfig = Pick<
  Config,
  | 'SLACK_BOT_TOKEN'
  | 'SLACK_SIGNING_SECRET'
  | 'SLACK_APP_TOKEN'
  | 'SLACK_API_URL'
  | 'DISCORD_TOKEN'
  | 'DISCORD_PUBLIC_KEY'
  | 'DISCORD_APPLICATION_ID'
  | 'DISCORD_API_URL'
  | 'DISCORD_GUILD_ID'
  | 'BOTS_UNMAPPED_USERS'
> &
  DiscordGatewayConfig &
  Partial<Pick<Config, 'SLACK_CONCURRENT_TURNS' | 'BODY_LIMIT' | 'SLACK_STREAMING' | 'DEFAULT_LOCALE'>>;

/** The running adapters. */
export interface RunningBots {
  slack?: SlackBot | undefined;
  discord?: ReturnType<typeof createDiscordBot> | undefined;
  /** The Discord gateway (message commands) and its connection lease; stop() on shutdown. */
  discordGateway?: RunningDiscordGateway | undefined;
}

/** Starts the configured adapters on `router` (mounted by createApp before /api). */
export function startBots(deps: {
  config: BotsConfig;
  core: CoreServices;
  agent: Pick<AgentService, 'runTurn'>;
  router: Router;
  /** Acknowledge/resolve from incident threads (src/incidents). */ incidents?: IncidentActions | undefined;
  redis?: Redis | undefined;
  logger: Logger;
  /** Slack Socket Mode lease lifetime (tests shorten failover). */ slackLeaseTtlMs?: number;
}): RunningBots {
  const { config, core, logger } = deps;
  const turns = new BotTurns({
    prisma: core.database.prisma,
    events: core.events,
    agent: deps.agent,
    identities: new BotIdentities(core.database.prisma, core.audit, config.BOTS_UNMAPPED_USERS),
    metrics: core.metrics,
  });
  const dedupe = deps.redis ? redisDeliveryDedupe(deps.redis) : memoryDeliveryDedupe();
  const running: RunningBots = {};
  // HTTP Events API with the signing secret, Socket Mode with the app token, or both (see README).
  if (config.SLACK_BOT_TOKEN && (config.SLACK_SIGNING_SECRET || config.SLACK_APP_TOKEN)) {
    running.slack = createSlackBot({
      botToken: config.SLACK_BOT_TOKEN,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      apiUrl: config.SLACK_API_URL,
      bodyLimit: config.BODY_LIMIT,
      router: deps.router,
      redis: deps.redis,
      leaseTtlMs: deps.slackLeaseTtlMs,
      registry: core.metrics,
      afterAck: { concurrency: config.SLACK_CONCURRENT_TURNS ?? 32 },
      turns,
      approvals: core.tools.approvals,
      incidents: deps.incidents,
      dedupe,
      logger,
      prisma: core.database.prisma,
      audit: core.audit,
      streaming: config.SLACK_STREAMING,
      defaultLocale: config.DEFAULT_LOCALE,
    });
    const slack = running.slack;
    const transports = [
      config.SLACK_SIGNING_SECRET ? 'events, commands and interactions at /slack/events' : null,
      config.SLACK_APP_TOKEN ? 'Socket Mode on the node holding the slack-socket-mode lease' : null,
    ];
    // auth.test at start-up, retried with backoff: Slack being down at boot never crashes us.
    const initialize = (attempt: number) => {
      slack.ready().then(
        () => {
          logger.info(`slack enabled: ${transports.filter(Boolean).join('; ')}`);
          slack.socketMode?.start();
        },
        (error: unknown) => {
          const delay = Math.min(60_000, 1_000 * 2 ** attempt);
          logger.error({ err: error, retryInMs: delay }, 'slack start-up check (auth.test) failed; retrying');
          setTimeout(() => initialize(attempt + 1), delay).unref();
        },
      );
    };
    initialize(0);
  } else {
    logger.info('slack disabled: SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) not set');
  }
  if (config.DISCORD_PUBLIC_KEY) {
    try {
      running.discord = createDiscordBot({
        publicKey: config.DISCORD_PUBLIC_KEY,
        applicationId: config.DISCORD_APPLICATION_ID,
        token: config.DISCORD_TOKEN,
        apiUrl: config.DISCORD_API_URL,
        guildId: config.DISCORD_GUILD_ID,
        bodyLimit: config.BODY_LIMIT,
        router: deps.router,
        turns,
        approvals: core.tools.approvals,
        incidents: deps.incidents,
        dedupe,
        logger,
        defaultLocale: config.DEFAULT_LOCALE,
      });
      logger.info('discord enabled: interactions at /discord/interactions');
      running.discord
        .registerCommands()
        .catch((error: unknown) =>
          logger.error({ err: error }, 'discord command registration failed; /vigie may be missing until the next start'),
        );
    } catch (error) {
      logger.error({ err: error }, `discord disabled: ${(error as Error).message}`);
    }
  } else {
    logger.info('discord disabled: DISCORD_PUBLIC_KEY not set');
  }
  running.discordGateway = startDiscordGateway({
    config,
    turns,
    approvals: core.tools.approvals,
    incidents: deps.incidents,
    dedupe,
    redis: deps.redis,
    logger,
    registry: core.metrics,
  });
  return running;
}

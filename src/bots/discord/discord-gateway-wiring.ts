/**
 * Starts the Discord gateway behind the `discord-gateway` connection lease: with several
 * nodes exactly one holds the socket (the others would each answer every message), and
 * another takes over when it stops or dies. Without Redis the lease is held at once. Bad
 * settings disable the gateway with a log line instead of failing start-up.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import type { IncidentActions } from '../../incidents/incident-service.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns } from '../bot-turns.js';
import { createConnectionLease, type ConnectionLease } from '../connection-lease.js';
import type { DeliveryDedupe } from '../delivery-dedupe.js';
import { createDiscordGateway, type DiscordGateway, type DiscordGatewayOptions } from './discord-gateway.js';
import { parseDiscordChannels } from './discord-messages.js';

/** The settings the gateway reads; the gateway-only ones default as in config.ts. */
export type DiscordGatewayConfig = Pick<Config, 'DISCORD_TOKEN' | 'DISCORD_API_URL'> &
  Partial<Pick<Config, 'DISCORD_GATEWAY' | 'DISCORD_COMMAND_PREFIX' | 'DISCORD_CHANNELS'>>;

/** A gateway and the lease that opens and closes it. */
export interface RunningDiscordGateway {
  gateway: DiscordGateway;
  lease: ConnectionLease;
  /** Closes the connection and releases the lease for another node. */
  stop(): Promise<void>;
}

/** Starts competing for the gateway lease when DISCORD_TOKEN is set; undefined (and a log line) otherwise. */
export function startDiscordGateway(deps: {
  config: DiscordGatewayConfig;
  turns: BotTurns;
  approvals: ApprovalHandler;
  /** Incident Acknowledge / Resolve buttons (src/incidents). */
  incidents?: IncidentActions | undefined;
  dedupe: DeliveryDedupe;
  redis?: Redis | undefined;
  logger: Logger;
  registry?: Registry | undefined;
  retry?: DiscordGatewayOptions['retry'];
}): RunningDiscordGateway | undefined {
  const { config, logger } = deps;
  if (!config.DISCORD_TOKEN) {
    logger.info('discord gateway disabled: DISCORD_TOKEN not set');
    return undefined;
  }
  if (config.DISCORD_GATEWAY === false) {
    logger.info('discord gateway disabled: DISCORD_GATEWAY=false');
    return undefined;
  }
  let channels;
  try {
    channels = parseDiscordChannels(config.DISCORD_CHANNELS);
  } catch (error) {
    logger.error(`discord gateway disabled: ${(error as Error).message}`);
    return undefined;
  }
  const prefix = config.DISCORD_COMMAND_PREFIX ?? '!vigie';
  const gateway = createDiscordGateway({
    token: config.DISCORD_TOKEN,
    apiUrl: config.DISCORD_API_URL,
    prefix,
    channels,
    turns: deps.turns,
    approvals: deps.approvals,
    incidents: deps.incidents,
    dedupe: deps.dedupe,
    logger,
    retry: deps.retry,
    metrics: deps.registry,
  });
  const lease = createConnectionLease({
    name: 'discord-gateway',
    nodeId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    redis: deps.redis,
    onAcquired: () => gateway.open(),
    onReleased: () => gateway.close(),
    logger,
    registry: deps.registry,
  });
  lease.start();
  const where = channels.any
    ? 'every channel'
    : `${channels.channels.size} channel(s)${channels.directMessages ? ' and direct messages' : ''}`;
  logger.info(
    { prefix, multiNode: Boolean(deps.redis) },
    `discord gateway enabled: "${prefix} <command>" and mentions in ${where}; the node holding the lease connects`,
  );
  return { gateway, lease, stop: () => lease.stop() };
}

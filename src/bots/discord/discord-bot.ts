/**
 * The Discord adapter over the HTTP interactions endpoint (no gateway socket to hold): Ed25519-
 * verified requests, `/vigie <ask|net|qos|services|kb|dedup>` answered with a deferred reply
 * that is then edited through Discord's REST API (discord.js's REST client, retries and rate
 * limits included), and Approve/Deny buttons. Translation only: BotTurns and the pipeline decide.
 */
import type { Locale } from '../../contracts/i18n.js';
import { REST, Routes } from 'discord.js';
import express, { type Router } from 'express';
import type { Logger } from '../../logger.js';
import type { IncidentActions } from '../../incidents/incident-service.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns } from '../bot-turns.js';
import type { DeliveryDedupe } from '../delivery-dedupe.js';
import { createInteractionHandler } from './discord-interactions.js';
import { discordInteractionSchema, vigieCommandDefinition } from './discord-payloads.js';
import { discordPublicKey, verifyDiscordRequest } from './discord-signature.js';

/** Settings and components of the Discord bot. */
export interface DiscordBotOptions {
  publicKey: string;
  applicationId?: string | undefined;
  token?: string | undefined;
  /** REST base (tests point it at a fake server); default https://discord.com/api. */
  apiUrl?: string | undefined;
  guildId?: string | undefined;
  /** Largest request body read (BODY_LIMIT; 413 above it, like every other endpoint). */
  bodyLimit?: string | undefined;
  router: Router;
  turns: BotTurns;
  approvals: ApprovalHandler;
  dedupe: DeliveryDedupe;
  logger: Logger;
  /** Incident Acknowledge / Resolve buttons (src/incidents). */
  incidents?: IncidentActions | undefined;
  /** DEFAULT_LOCALE: the language when an interaction carries no supported locale. */
  defaultLocale?: Locale | undefined;
}

/** The endpoint Discord posts interactions to. */
export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';

/** Discord's REST client (retries, rate limits) against `apiUrl`, with the bot token when known. */
export function discordRest(apiUrl: string | undefined, token: string | undefined): REST {
  const rest = new REST({ version: '10', ...(apiUrl ? { api: apiUrl } : {}) });
  if (token) rest.setToken(token);
  return rest;
}

/** Adds the interactions endpoint to `router`; returns the command registration. */
export function createDiscordBot(options: DiscordBotOptions): { registerCommands(): Promise<void> } {
  const { logger } = options;
  const key = discordPublicKey(options.publicKey);
  const rest = discordRest(options.apiUrl, options.token);
  const handle = createInteractionHandler({
    rest,
    turns: options.turns,
    approvals: options.approvals,
    dedupe: options.dedupe,
    logger,
    incidents: options.incidents,
    defaultLocale: options.defaultLocale,
  });

  options.router.post(
    DISCORD_INTERACTIONS_PATH,
    express.raw({ type: () => true, limit: options.bodyLimit ?? '1mb', inflate: false }),
    async (request, response) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!verifyDiscordRequest(key, request.header('x-signature-ed25519'), request.header('x-signature-timestamp'), body)) {
        response.status(401).json({ code: 'unauthorized', message: 'Invalid request signature' });
        return;
      }
      let parsed;
      try {
        parsed = discordInteractionSchema.safeParse(JSON.parse(body.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success || (!parsed.data.member?.user && !parsed.data.user && parsed.data.type !== 1)) {
        response.status(400).json({ code: 'validation_failed', message: 'Malformed interaction' });
        return;
      }
      const plan = await handle(parsed.data);
      response.json(plan.response);
      plan.work?.().catch((error: unknown) => logger.error({ err: error }, 'discord reply failed'));
    },
  );

  return {
    async registerCommands() {
      if (!options.token || !options.applicationId) return;
      const route = options.guildId
        ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
        : Routes.applicationCommands(options.applicationId);
      await rest.put(route, { body: [vigieCommandDefinition] });
    },
  };
}

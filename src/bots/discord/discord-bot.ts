/**
 * The Discord adapter over the HTTP interactions endpoint (no gateway socket to hold): Ed25519-
 * verified requests, `/vigie <ask|net|qos|services|kb|dedup>` answered with a deferred reply
 * that is then edited through Discord's REST API (discord.js's REST client, retries and rate
 * limits included), and Approve/Deny buttons. Translation only: BotTurns and the pipeline decide.
 */
import { REST, Routes } from 'discord.js';
import express, { type Router } from 'express';
import { toErrorBody } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns } from '../bot-turns.js';
import type { DeliveryDedupe } from '../delivery-dedupe.js';
import { commandLine, discordInteractionSchema, vigieCommandDefinition, type DiscordInteraction } from './discord-payloads.js';
import { executionMessage, turnMessages, type DiscordMessageBody } from './discord-render.js';
import { discordPublicKey, verifyDiscordRequest } from './discord-signature.js';

/** Settings and components of the Discord bot. */
export interface DiscordBotOptions {
  publicKey: string;
  applicationId?: string | undefined;
  token?: string | undefined;
  /** REST base (tests point it at a fake server); default https://discord.com/api. */
  apiUrl?: string | undefined;
  guildId?: string | undefined;
  router: Router;
  turns: BotTurns;
  approvals: ApprovalHandler;
  dedupe: DeliveryDedupe;
  logger: Logger;
}

/** The endpoint Discord posts interactions to. */
export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';
const EPHEMERAL = 64;

/** Adds the interactions endpoint to `router`; returns the command registration. */
export function createDiscordBot(options: DiscordBotOptions): { registerCommands(): Promise<void> } {
  const { turns, approvals, dedupe, logger } = options;
  const key = discordPublicKey(options.publicKey);
  const rest = new REST({ version: '10', ...(options.apiUrl ? { api: options.apiUrl } : {}) });
  if (options.token) rest.setToken(options.token);

  const edit = (interaction: DiscordInteraction, body: DiscordMessageBody) =>
    rest.patch(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { body, auth: false });
  const followUp = (interaction: DiscordInteraction, body: DiscordMessageBody) =>
    rest.post(Routes.webhook(interaction.application_id, interaction.token), { body, auth: false });

  const answer = async (interaction: DiscordInteraction, line: string) => {
    const author = interaction.member?.user ?? interaction.user!;
    const guild = interaction.guild_id ?? '';
    const channel = interaction.channel_id ?? 'dm';
    const outcome = await turns.handle({
      account: { provider: 'discord', workspace: guild, externalId: author.id },
      // One conversation per user per channel or thread: a channel is shared, a conversation is not.
      thread: { channel: 'discord', externalRef: `discord:${guild || 'dm'}:${channel}:${author.id}`, title: line.slice(0, 120) || 'Discord' },
      text: line,
      externalIds: { workspace: guild, channelId: channel, userId: author.id },
      deliveryId: `discord:interaction:${interaction.id}`,
    });
    if (outcome.kind === 'duplicate') return;
    if (outcome.kind === 'refused') {
      await edit(interaction, { content: outcome.reason.slice(0, 2_000), allowed_mentions: { parse: [] } });
      return;
    }
    const [first, ...rest] = turnMessages(outcome.result);
    await edit(interaction, first!);
    for (const message of rest) await followUp(interaction, message);
  };

  const decide = async (interaction: DiscordInteraction, decision: 'approved' | 'denied', executionId: string) => {
    const author = interaction.member?.user ?? interaction.user!;
    try {
      const principal = await turns.principalOf({ provider: 'discord', workspace: interaction.guild_id ?? '', externalId: author.id });
      const execution = decision === 'approved' ? await approvals.approve(principal, executionId, 'discord') : await approvals.deny(principal, executionId, 'discord');
      await edit(interaction, executionMessage(execution, { name: principal.userName, decision }));
    } catch (error) {
      const { status, body } = toErrorBody(error);
      if (status >= 500) logger.error({ err: error, executionId }, 'discord approval failed');
      await followUp(interaction, { content: `Not ${decision}: ${body.message}`.slice(0, 2_000), flags: EPHEMERAL, allowed_mentions: { parse: [] } });
    }
  };

  const background = (work: Promise<unknown>) => void work.catch((error: unknown) => logger.error({ err: error }, 'discord reply failed'));

  options.router.post(DISCORD_INTERACTIONS_PATH, express.raw({ type: () => true, limit: '100kb' }), async (request, response) => {
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
    const interaction = parsed.data;
    if (interaction.type === 1) {
      response.json({ type: 1 });
      return;
    }
    if (!(await dedupe.claim(`discord:interaction:${interaction.id}`))) {
      response.json({ type: interaction.type === 3 ? 6 : 5 });
      return;
    }
    if (interaction.type === 2) {
      const line = commandLine(interaction);
      if (line === undefined) {
        response.json({ type: 4, data: { content: 'Unknown /vigie subcommand; try /vigie ask text:help', flags: EPHEMERAL } });
        return;
      }
      response.json({ type: 5 }); // deferred: "Vigie is thinking…", edited when the answer is ready
      background(answer(interaction, line));
      return;
    }
    const button = /^vigie:(approve|deny):([0-9a-f-]{36})$/.exec(interaction.data?.custom_id ?? '');
    if (interaction.type === 3 && button) {
      response.json({ type: 6 }); // deferred update of the message carrying the buttons
      background(decide(interaction, button[1] === 'approve' ? 'approved' : 'denied', button[2]!));
      return;
    }
    response.json({ type: 4, data: { content: 'This interaction is not supported', flags: EPHEMERAL } });
  });

  return {
    async registerCommands() {
      if (!options.token || !options.applicationId) return;
      const route = options.guildId ? Routes.applicationGuildCommands(options.applicationId, options.guildId) : Routes.applicationCommands(options.applicationId);
      await rest.put(route, { body: [vigieCommandDefinition] });
    },
  };
}

/**
 * What Vigie does with a Discord interaction, whichever way it arrived (the signed HTTP
 * endpoint or the gateway): `/vigie <sub>` is deferred and answered through BotTurns, then
 * the deferred reply is edited (streamed tokens edit it on a cadence); Approve/Deny buttons
 * decide an execution with the clicker's own role; Acknowledge/Resolve on incident threads
 * change the incident as the clicker (operator role). One delivery id runs once on every node.
 */
import { Routes, type REST } from 'discord.js';
import { z } from 'zod';
import { assertMay } from '../../auth/policy.js';
import { createTranslator, type Locale } from '../../contracts/i18n.js';
import { ForbiddenError, toErrorBody } from '../../errors.js';
import { claimDelivery, failureReply, isOutage, RETRY_LATER_REPLY } from '../bot-unavailable.js';
import type { IncidentActions } from '../../incidents/incident-service.js';
import { ACK_ACTION, RESOLVE_ACTION } from '../../incidents/incident-summary.js';
import type { Logger } from '../../logger.js';
import type { ApprovalHandler } from '../../tools/pipeline/execution-service.js';
import type { BotTurns, ChatOutcome } from '../bot-turns.js';
import type { DeliveryDedupe } from '../delivery-dedupe.js';
import { ThrottledMessage } from '../throttled-message.js';
import { commandLine, conversationRef, interactionPlace, placeExternalIds, type DiscordInteraction } from './discord-payloads.js';
import { executionMessage, type DiscordMessageBody } from '../../chat-render/discord-execution-card.js';
import { DISCORD_MESSAGE_LIMIT, restRequest, turnMessages } from './discord-render.js';

/** The immediate answer to an interaction (HTTP response body or gateway callback). */
export interface InteractionResponse {
  type: number;
  data?: { content: string; flags?: number };
}

/** The immediate answer, and the work to start once Discord has it (it edits the deferred reply). */
export interface InteractionPlan {
  response: InteractionResponse;
  work?: () => Promise<void>;
}

/** Components of the handler. */
export interface InteractionHandlerOptions {
  /** REST client with the bot token (webhook calls themselves use the interaction token). */
  rest: REST;
  turns: BotTurns;
  approvals: ApprovalHandler;
  dedupe: DeliveryDedupe;
  logger: Logger;
  /** Incident Acknowledge / Resolve buttons (src/incidents); absent: those clicks are refused. */
  incidents?: IncidentActions | undefined;
  /** DEFAULT_LOCALE: used when the interaction carries no supported locale. */
  defaultLocale?: Locale | undefined;
}

/** Flag of messages only the clicker sees. */
export const EPHEMERAL = 64;
const NO_MENTIONS = { parse: [] as string[] };

/** Handles parsed interactions; the response must reach Discord within 3 s, before `work` starts. */
export function createInteractionHandler(
  options: InteractionHandlerOptions,
): (interaction: DiscordInteraction) => Promise<InteractionPlan> {
  const { rest, turns, approvals, dedupe, logger, incidents } = options;
  const edit = (interaction: DiscordInteraction, message: DiscordMessageBody) =>
    rest.patch(Routes.webhookMessage(interaction.application_id, interaction.token, '@original'), { ...restRequest(message), auth: false });
  const followUp = (interaction: DiscordInteraction, message: DiscordMessageBody) =>
    rest.post(Routes.webhook(interaction.application_id, interaction.token), { ...restRequest(message), auth: false });

  // The clicker's Discord client language first, then the guild's, then DEFAULT_LOCALE.
  const translatorOf = (interaction: DiscordInteraction) =>
    createTranslator(interaction.locale ?? interaction.guild_locale, options.defaultLocale);

  const answer = async (interaction: DiscordInteraction, line: string) => {
    const i18n = translatorOf(interaction);
    const author = interaction.member?.user ?? interaction.user!;
    const place = interactionPlace(interaction);
    // Streamed tokens edit the deferred reply at most once a second; the final answer replaces them.
    const stream = new ThrottledMessage({
      post: async (text) => {
        await edit(interaction, { content: text.slice(0, DISCORD_MESSAGE_LIMIT), allowed_mentions: NO_MENTIONS });
        return '@original';
      },
      edit: async (_id, text) => {
        await edit(interaction, { content: text.slice(0, DISCORD_MESSAGE_LIMIT), allowed_mentions: NO_MENTIONS });
      },
    });
    const outcome = await turns
      .handle(
        {
          account: { provider: 'discord', workspace: place.guild, externalId: author.id },
          // One conversation per user per channel or thread: a channel is shared, a conversation is not.
          thread: { channel: 'discord', externalRef: conversationRef(place, author.id), title: line.slice(0, 120) || 'Discord' },
          text: line,
          externalIds: placeExternalIds(place, author.id),
          deliveryId: `discord:interaction:${interaction.id}`,
          locale: i18n.locale,
        },
        (delta) => stream.push(delta),
      )
      // The deferred reply must not stay "thinking" forever.
      .catch((error: unknown): ChatOutcome => ({
        kind: 'refused',
        reason: failureReply(error, logger, { interactionId: interaction.id }, 'discord command failed'),
      }))
      .finally(() => stream.finish());
    if (outcome.kind === 'duplicate') return;
    if (outcome.kind === 'refused') {
      await edit(interaction, { content: outcome.reason.slice(0, DISCORD_MESSAGE_LIMIT), allowed_mentions: NO_MENTIONS });
      return;
    }
    const [first, ...others] = turnMessages(outcome.result);
    await edit(interaction, first!);
    for (const message of others) await followUp(interaction, message);
  };

  const decide = async (interaction: DiscordInteraction, decision: 'approved' | 'denied', executionId: string) => {
    const i18n = translatorOf(interaction);
    const author = interaction.member?.user ?? interaction.user!;
    try {
      const principal = await turns.principalOf({ provider: 'discord', workspace: interaction.guild_id ?? '', externalId: author.id });
      const execution =
        decision === 'approved'
          ? await approvals.approve(principal, executionId, 'discord')
          : await approvals.deny(principal, executionId, 'discord');
      await edit(interaction, executionMessage(execution, { name: principal.userName, decision }));
    } catch (error) {
      const { status, body } = toErrorBody(error);
      const reason = isOutage(error) ? RETRY_LATER_REPLY : body.message;
      if (status >= 500 && !isOutage(error)) logger.error({ err: error, executionId }, 'discord approval failed');
      await followUp(interaction, {
        content: i18n.t('approval.notDecided', { decision: i18n.t(`approval.${decision}`), reason }).slice(0, DISCORD_MESSAGE_LIMIT),
        flags: EPHEMERAL,
        allowed_mentions: NO_MENTIONS,
      });
    }
  };

  const incidentClick = async (interaction: DiscordInteraction, to: 'acknowledged' | 'resolved', incidentId: string) => {
    const i18n = translatorOf(interaction);
    const author = interaction.member?.user ?? interaction.user!;
    try {
      if (!incidents) throw new ForbiddenError('Incidents are not handled on this node');
      const principal = await turns.principalOf({ provider: 'discord', workspace: interaction.guild_id ?? '', externalId: author.id });
      assertMay(principal, 'incident.act', i18n.t('incident.operatorOnly'));
      // The service edits the summary message itself (the buttons go once resolved).
      await incidents.act(incidentId, to, { name: principal.userName, userId: principal.userId, channel: 'discord' });
    } catch (error) {
      const { status, body } = toErrorBody(error);
      const reason = isOutage(error) ? RETRY_LATER_REPLY : body.message;
      if (status >= 500 && !isOutage(error)) logger.error({ err: error, incidentId }, 'discord incident action failed');
      await followUp(interaction, {
        content: i18n.t('incident.notActed', { action: i18n.t(`incident.${to}`), reason }).slice(0, DISCORD_MESSAGE_LIMIT),
        flags: EPHEMERAL,
        allowed_mentions: NO_MENTIONS,
      });
    }
  };

  return async (interaction) => {
    if (interaction.type === 1) return { response: { type: 1 } };
    const claim = await claimDelivery(dedupe, `discord:interaction:${interaction.id}`, logger);
    if (claim === 'repeat') return { response: { type: interaction.type === 3 ? 6 : 5 } };
    if (claim === 'unavailable') return { response: { type: 4, data: { content: RETRY_LATER_REPLY, flags: EPHEMERAL } } };
    if (interaction.type === 2) {
      const line = commandLine(interaction);
      if (line === undefined)
        return { response: { type: 4, data: { content: translatorOf(interaction).t('discord.unknownSubcommand'), flags: EPHEMERAL } } };
      // Deferred ("Vigie is thinking…"), edited when the answer is ready.
      return { response: { type: 5 }, work: () => answer(interaction, line) };
    }
    const button = /^vigie:(approve|deny):([0-9a-f-]{36})$/.exec(interaction.data?.custom_id ?? '');
    if (interaction.type === 3 && button) {
      // Deferred update of the message carrying the buttons.
      return { response: { type: 6 }, work: () => decide(interaction, button[1] === 'approve' ? 'approved' : 'denied', button[2]!) };
    }
    const incidentButton = new RegExp(`^(${ACK_ACTION}|${RESOLVE_ACTION}):(.*)$`).exec(interaction.data?.custom_id ?? '');
    if (interaction.type === 3 && incidentButton) {
      const incidentId = z.uuid().safeParse(incidentButton[2]);
      if (!incidentId.success)
        return { response: { type: 4, data: { content: translatorOf(interaction).t('incident.badButton'), flags: EPHEMERAL } } };
      const to = incidentButton[1] === ACK_ACTION ? 'acknowledged' : 'resolved';
      return { response: { type: 6 }, work: () => incidentClick(interaction, to, incidentId.data) };
    }
    return { response: { type: 4, data: { content: translatorOf(interaction).t('discord.unsupported'), flags: EPHEMERAL } } };
  };
}

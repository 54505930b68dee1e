/**
 * Gateway messages in, ChatMessage out: whether a Discord message is addressed to Vigie (the
 * command prefix, a mention of the bot, or any direct message), whether its channel is one
 * the bot answers in (DISCORD_CHANNELS), and its normalised form for BotTurns — the same
 * identity, conversation and allowlist ids as a `/vigie` interaction in that place.
 */
import { z } from 'zod';
import type { ChatMessage } from '../bot-turns.js';
import { conversationRef, placeExternalIds, type DiscordPlace } from './discord-payloads.js';

/** The channels message commands and mentions are answered in. */
export interface DiscordChannelPolicy {
  /** `*`: every channel. */
  any: boolean;
  /** `dm`: direct messages. */
  directMessages: boolean;
  /** Channel ids; a thread is answered when its parent channel is listed. */
  channels: ReadonlySet<string>;
}

/** DISCORD_CHANNELS' syntax: comma-separated channel ids, `dm`, or `*`. */
export const DISCORD_CHANNELS_PATTERN = /^\s*(?:\*|dm|\d{1,25})(?:\s*,\s*(?:\*|dm|\d{1,25}))*\s*$/i;

/** Parses DISCORD_CHANNELS; unset means every channel and direct messages. */
export function parseDiscordChannels(text: string | undefined): DiscordChannelPolicy {
  if (text === undefined || text.trim() === '') return { any: true, directMessages: true, channels: new Set() };
  if (!DISCORD_CHANNELS_PATTERN.test(text)) throw new Error('DISCORD_CHANNELS must be comma-separated channel ids, "dm" or "*"');
  const items = text.split(',').map((item) => item.trim().toLowerCase());
  return {
    any: items.includes('*'),
    directMessages: items.includes('*') || items.includes('dm'),
    channels: new Set(items.filter((item) => /^\d+$/.test(item))),
  };
}

/** True when the bot answers in this place. */
export function channelAllowed(policy: DiscordChannelPolicy, place: DiscordPlace & { direct: boolean }): boolean {
  if (place.direct) return policy.directMessages;
  return policy.any || policy.channels.has(place.channelId) || (place.parentId !== undefined && policy.channels.has(place.parentId));
}

/** The command text of a message addressed to the bot, or undefined when it is not for us. */
export function addressedText(
  content: string,
  options: { prefix: string; botId?: string | undefined; direct: boolean },
): string | undefined {
  const text = content.trim();
  const prefix = options.prefix.toLowerCase();
  if (text.toLowerCase().startsWith(prefix) && (text.length === prefix.length || /\s/.test(text[prefix.length]!)))
    return text.slice(prefix.length).trim();
  if (options.botId) {
    const mention = new RegExp(`<@!?${options.botId}>`, 'g');
    // "@Vigie: status", "hey @Vigie, status" → "status", "hey, status".
    if (mention.test(text))
      return text
        .replace(mention, ' ')
        .replace(/\s+([,.:;!?])/g, '$1')
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/^[,:;]\s*/, '');
  }
  return options.direct ? text : undefined;
}

const snowflake = z.string().regex(/^\d{1,25}$/);

/** The fields of a gateway message the bot reads, checked before anything runs. */
export const gatewayMessageSchema = z.object({
  id: snowflake,
  channelId: snowflake,
  guildId: snowflake.nullable(),
  /** The channel a thread belongs to (null outside threads). */
  parentId: snowflake.nullable(),
  content: z.string().max(16_000),
  author: z.object({ id: snowflake, bot: z.boolean() }),
  /** System messages (joins, pins) and webhook posts are never commands. */
  system: z.boolean(),
  webhookId: z.string().nullable(),
});
/** A checked gateway message. */
export type GatewayMessage = z.infer<typeof gatewayMessageSchema>;

/** Where a gateway message happened. */
export function messagePlace(message: GatewayMessage): DiscordPlace & { direct: boolean } {
  return {
    guild: message.guildId ?? '',
    channelId: message.channelId,
    parentId: message.parentId ?? undefined,
    direct: message.guildId === null,
  };
}

/** The ChatMessage of an addressed gateway message. */
export function gatewayChatMessage(message: GatewayMessage, text: string): ChatMessage {
  const place = messagePlace(message);
  return {
    account: { provider: 'discord', workspace: place.guild, externalId: message.author.id },
    thread: { channel: 'discord', externalRef: conversationRef(place, message.author.id), title: text.slice(0, 120) || 'Discord' },
    text,
    externalIds: { ...placeExternalIds(place, message.author.id), messageId: message.id },
    deliveryId: `discord:message:${message.id}`,
  };
}

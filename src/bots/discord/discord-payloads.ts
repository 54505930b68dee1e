/**
 * Zod shapes of the Discord interaction fields we use (PING, the `/vigie` command, buttons),
 * and where a Discord message happened as Vigie keys it (conversation, channel allowlist).
 */
import { z } from 'zod';

const snowflake = z.string().regex(/^\d{1,25}$/);
const user = z.object({ id: snowflake, username: z.string().max(100).optional() });

/** Subcommands of `/vigie`; each takes one free-text option. */
export const DISCORD_SUBCOMMANDS = ['ask', 'net', 'qos', 'services', 'kb', 'dedup'] as const;

/** Any interaction Discord posts to the endpoint. */
export const discordInteractionSchema = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(500),
  guild_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  channel: z.object({ type: z.number().int().optional(), parent_id: snowflake.nullable().optional() }).optional(),
  member: z.object({ user }).optional(),
  user: user.optional(),
  // The clicker's client language (`fr`, `en-US`…) and the guild's: any odd value is dropped, never fatal.
  locale: z.string().max(64).optional().catch(undefined),
  guild_locale: z.string().max(64).optional().catch(undefined),
  data: z
    .object({
      name: z.string().max(100).optional(),
      custom_id: z.string().max(100).optional(),
      options: z
        .array(
          z.object({
            name: z.string().max(32),
            type: z.number(),
            options: z.array(z.object({ name: z.string().max(32), value: z.unknown() })).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
/** A parsed interaction. */
export type DiscordInteraction = z.infer<typeof discordInteractionSchema>;

/** The `/vigie` definition registered with Discord (per guild with DISCORD_GUILD_ID, else global). */
export const vigieCommandDefinition = {
  name: 'vigie',
  description: 'Ask Vigie or run an ops command',
  description_localizations: { fr: 'Interroger Vigie ou lancer une commande' },
  options: DISCORD_SUBCOMMANDS.map((name) => ({
    type: 1,
    name,
    description:
      name === 'ask'
        ? 'Ask a question or type a command'
        : `Run a ${name} command (e.g. "${name === 'net' ? 'check core-router' : name === 'qos' ? 'show eth0' : 'help'}")`,
    description_localizations: {
      fr:
        name === 'ask'
          ? 'Poser une question ou taper une commande'
          : `Lancer une commande ${name} (ex. « ${name === 'net' ? 'check core-router' : name === 'qos' ? 'show eth0' : 'aide'} »)`,
    },
    options: [
      {
        type: 3,
        name: 'text',
        description: name === 'ask' ? 'Question or command' : 'Arguments',
        description_localizations: { fr: name === 'ask' ? 'Question ou commande' : 'Arguments' },
        required: name === 'ask',
        max_length: 4_000,
      },
    ],
  })),
};

/** The command line a `/vigie <sub> text:<…>` interaction means. */
export function commandLine(interaction: DiscordInteraction): string | undefined {
  const sub = interaction.data?.options?.[0];
  if (!sub || !(DISCORD_SUBCOMMANDS as readonly string[]).includes(sub.name)) return undefined;
  const text = sub.options?.find((option) => option.name === 'text')?.value;
  if (text !== undefined && typeof text !== 'string') return undefined;
  const rest = (text ?? '').trim();
  return sub.name === 'ask' ? rest : `${sub.name} ${rest}`.trim();
}

/** Discord channel types of threads (announcement, public, private). */
export const THREAD_TYPES: ReadonlySet<number> = new Set([10, 11, 12]);

/** Where a message or command happened: guild ('' in DMs), channel or thread, a thread's parent. */
export interface DiscordPlace {
  guild: string;
  /** The channel, or the thread when it happened in one. */
  channelId: string;
  /** The channel a thread belongs to. */
  parentId?: string | undefined;
}

/**
 * The conversation of a user in a channel or thread: a channel is shared, a conversation is
 * not; slash commands and message commands of one user in one place share its memory.
 */
export function conversationRef(place: DiscordPlace, userId: string): string {
  return `discord:${place.guild || 'dm'}:${place.channelId}:${userId}`;
}

/** Ids recorded with executions; the tool allowlist sees a thread as its parent channel. */
export function placeExternalIds(place: DiscordPlace, userId: string): Record<string, string> {
  return {
    workspace: place.guild,
    channelId: place.parentId ?? place.channelId,
    userId,
    ...(place.parentId ? { threadId: place.channelId } : {}),
  };
}

/** The place of an interaction. */
export function interactionPlace(interaction: DiscordInteraction): DiscordPlace {
  const parent =
    interaction.channel?.type !== undefined && THREAD_TYPES.has(interaction.channel.type)
      ? (interaction.channel.parent_id ?? undefined)
      : undefined;
  return { guild: interaction.guild_id ?? '', channelId: interaction.channel_id ?? 'dm', parentId: parent };
}

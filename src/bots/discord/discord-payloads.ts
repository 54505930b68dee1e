/**
 * Zod shapes of the Discord interaction fields we use (PING, the `/vigie` command, buttons).
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
  member: z.object({ user }).optional(),
  user: user.optional(),
  data: z
    .object({
      name: z.string().max(100).optional(),
      custom_id: z.string().max(100).optional(),
      options: z.array(z.object({ name: z.string().max(32), type: z.number(), options: z.array(z.object({ name: z.string().max(32), value: z.unknown() })).optional() })).optional(),
    })
    .optional(),
});
/** A parsed interaction. */
export type DiscordInteraction = z.infer<typeof discordInteractionSchema>;

/** The `/vigie` definition registered with Discord (per guild with DISCORD_GUILD_ID, else global). */
export const vigieCommandDefinition = {
  name: 'vigie',
  description: 'Ask Vigie or run an ops command',
  options: DISCORD_SUBCOMMANDS.map((name) => ({
    type: 1,
    name,
    description: name === 'ask' ? 'Ask a question or type a command' : `Run a ${name} command (e.g. "${name === 'net' ? 'check core-router' : name === 'qos' ? 'show eth0' : 'help'}")`,
    options: [{ type: 3, name: 'text', description: name === 'ask' ? 'Question or command' : 'Arguments', required: name === 'ask', max_length: 4_000 }],
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

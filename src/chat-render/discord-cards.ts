/**
 * Dedicated Discord embeds for the two results people read as cards rather than JSON: a
 * `knowledge_search` answer (a Sources embed, one field per cited passage [n]) and a
 * `service_search` answer (one embed per channel-neutral service card, its why/distance in
 * the footer). Every embed is clamped to Discord's limits (256-character titles, 25 fields of
 * at most 1,024 characters, 6,000 characters and 10 embeds per message) so a large result
 * never makes Discord reject the whole reply.
 */
import { z } from 'zod';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import { serviceCardsResultSchema } from '../tools/services/service-cards.js';

/** An embed as Discord's REST API takes it (the fields we use). */
export interface DiscordEmbed {
  title?: string;
  description?: string;
  color?: number;
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
  footer?: { text: string };
}

/** Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const EMBED_LIMITS = {
  title: 256,
  description: 4_096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  perMessage: 10,
  totalChars: 6_000,
} as const;

const KNOWLEDGE_COLOR = 0x3498db;
const SERVICE_COLOR = 0x1abc9c;
const EXCERPT_CHARS = 300;

const citationsSchema = z.object({
  citations: z
    .array(
      z.object({
        marker: z.string(),
        source: z.string(),
        title: z.string(),
        text: z.string().optional(),
      }),
    )
    .min(1),
});

/** Cuts text to `limit` characters with an ellipsis; Discord rejects empty names and values. */
export function clip(text: string, limit: number, fallback = '—'): string {
  const clean = text.trim();
  if (!clean) return fallback;
  return clean.length <= limit ? clean : `${clean.slice(0, limit - 1).trimEnd()}…`;
}

/** The characters of an embed that count towards Discord's 6,000 per message. */
export function embedLength(embed: DiscordEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
}

/** One embed within every per-embed limit and within `budget` characters in all. */
export function clampEmbed(embed: DiscordEmbed, budget: number = EMBED_LIMITS.totalChars): DiscordEmbed {
  const clamped: DiscordEmbed = { ...embed };
  if (embed.title !== undefined) clamped.title = clip(embed.title, EMBED_LIMITS.title);
  if (embed.description !== undefined) clamped.description = clip(embed.description, EMBED_LIMITS.description);
  if (embed.footer) clamped.footer = { text: clip(embed.footer.text, EMBED_LIMITS.footer) };
  if (embed.fields) {
    clamped.fields = embed.fields.slice(0, EMBED_LIMITS.fields).map((field) => ({
      name: clip(field.name, EMBED_LIMITS.fieldName),
      value: clip(field.value, EMBED_LIMITS.fieldValue),
      ...(field.inline !== undefined ? { inline: field.inline } : {}),
    }));
  }
  // Over budget: drop fields from the end, then shorten the description.
  while (embedLength(clamped) > budget && clamped.fields?.length) clamped.fields = clamped.fields.slice(0, -1);
  const excess = embedLength(clamped) - budget;
  if (excess > 0 && clamped.description) clamped.description = clip(clamped.description, Math.max(1, clamped.description.length - excess));
  return clamped;
}

/** Groups embeds into messages of at most 10 embeds and 6,000 characters each. */
export function packEmbeds(embeds: DiscordEmbed[]): DiscordEmbed[][] {
  const groups: DiscordEmbed[][] = [];
  let current: DiscordEmbed[] = [];
  let used = 0;
  for (const original of embeds) {
    const embed = clampEmbed(original);
    const size = embedLength(embed);
    if (current.length > 0 && (current.length >= EMBED_LIMITS.perMessage || used + size > EMBED_LIMITS.totalChars)) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(embed);
    used += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The Sources embed of a knowledge_search result: one field per cited passage. */
export function citationEmbed(data: unknown): DiscordEmbed | undefined {
  const parsed = citationsSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const citations = parsed.data.citations;
  return clampEmbed({
    title: 'Sources',
    color: KNOWLEDGE_COLOR,
    fields: citations.slice(0, EMBED_LIMITS.fields).map((citation) => {
      // The source line starts with its own marker: keep the heading path and offsets after the title.
      const where = citation.source.replace(/^\[\d+\]\s*/, '');
      const excerpt = citation.text ? clip(citation.text.replace(/\s+/g, ' '), EXCERPT_CHARS, '') : '';
      return { name: `${citation.marker} ${citation.title}`, value: [excerpt, `*${where}*`].filter(Boolean).join('\n') };
    }),
    footer: { text: `knowledge base · ${citations.length} passage${citations.length === 1 ? '' : 's'}` },
  });
}

/** One embed per service card: title, category and place, description, fields, why/distance footer. */
export function serviceCardEmbeds(data: unknown): DiscordEmbed[] | undefined {
  const parsed = serviceCardsResultSchema.safeParse(data);
  if (!parsed.success) return undefined;
  return parsed.data.cards.map((card) =>
    clampEmbed({
      title: card.title,
      description: [card.subtitle ? `*${card.subtitle}*` : '', card.text].filter(Boolean).join('\n'),
      color: SERVICE_COLOR,
      fields: card.fields.map((field) => ({ name: field.label, value: field.value, inline: true })),
      ...(card.footer ? { footer: { text: card.footer } } : {}),
    }),
  );
}

/** A result with a dedicated rendering: a one-line summary and its embeds. */
export interface ResultCards {
  summary: string;
  embeds: DiscordEmbed[];
}

/** The dedicated rendering of a succeeded knowledge_search or service_search, else undefined. */
export function resultCards(execution: ExecutionView): ResultCards | undefined {
  if (execution.status !== 'succeeded') return undefined;
  const result = execution.result as { status?: unknown; data?: unknown } | null;
  if (result?.status !== 'success') return undefined;
  if (execution.tool === 'knowledge_search') {
    const embed = citationEmbed(result.data);
    const count = embed?.fields?.length ?? 0;
    return embed
      ? { summary: `knowledge_search found ${count} passage${count === 1 ? '' : 's'}; the sources are below.`, embeds: [embed] }
      : undefined;
  }
  if (execution.tool === 'service_search') {
    const embeds = serviceCardEmbeds(result.data);
    return embeds ? { summary: `service_search found ${embeds.length} service${embeds.length === 1 ? '' : 's'}:`, embeds } : undefined;
  }
  return undefined;
}

/**
 * Dedicated Block Kit for the two results people read as cards rather than JSON: a
 * `knowledge_search` answer (each cited passage [n] in its own section, then the sources with
 * titles, heading paths and links) and a `service_search` answer (one section per
 * channel-neutral service card with its fields, the why/distance in a context line). The
 * result is checked with zod first; anything else keeps the plain JSON rendering. Every text
 * respects Slack's limits (3,000 characters per text, 10 fields of 2,000, 10 context
 * elements) and callers cap the message at 50 blocks.
 */
import type { types } from '@slack/bolt';
import { z } from 'zod';
import type { ExecutionView } from '../tools/pipeline/execution-view.js';
import { serviceCardsResultSchema } from '../tools/services/service-cards.js';

type KnownBlock = types.KnownBlock;

/** Slack's Block Kit limits we rely on (https://docs.slack.dev/reference/block-kit/blocks). */
export const SLACK_LIMITS = { blocks: 50, text: 3_000, fields: 10, fieldText: 2_000, contextElements: 10 } as const;

/** The most passages or service cards one answer shows (each takes 2 blocks). */
export const MAX_CARDS = 10;
const EXCERPT_CHARS = 600;

const citationsSchema = z.object({
  citations: z
    .array(
      z.object({
        marker: z.string().max(16),
        source: z.string(),
        title: z.string(),
        headingPath: z.array(z.string()).optional(),
        sourceUrl: z.string().nullish(),
        text: z.string().optional(),
        score: z.number().optional(),
      }),
    )
    .min(1),
});

/** Escapes Slack's mrkdwn control characters (a title can never become a mention or a link). */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts escaped text to `limit` characters without splitting an entity (&amp;). */
export function clampText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit - 1).replace(/&[a-z]*$/, '')}…`;
}

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clampText(text, SLACK_LIMITS.text) } });
const context = (text: string): KnownBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: clampText(text, SLACK_LIMITS.text) }],
});

/** A Slack link for http(s) URLs only; other schemes stay plain text. */
function link(url: string | null | undefined, label: string): string {
  if (!url || !/^https?:\/\/[^\s<>|]+$/i.test(url)) return `*${escape(label)}*`;
  return `<${url.replace(/&/g, '&amp;')}|${escape(label).replace(/\|/g, '¦')}>`;
}

function sourceUrlOf(citation: z.infer<typeof citationsSchema>['citations'][number]): string | null {
  return citation.sourceUrl ?? /\((https?:\/\/[^)\s]+)\)/.exec(citation.source)?.[1] ?? null;
}

/** Block Kit for a knowledge_search result: one section per cited passage, then the sources. */
export function knowledgeBlocks(data: unknown, query?: string): KnownBlock[] | undefined {
  const parsed = citationsSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const citations = parsed.data.citations.slice(0, MAX_CARDS);
  const more = parsed.data.citations.length - citations.length;
  const header = `:books: *Knowledge base* · ${parsed.data.citations.length} passage${parsed.data.citations.length === 1 ? '' : 's'}${query ? ` for “${escape(query.slice(0, 200))}”` : ''}`;
  const blocks: KnownBlock[] = [section(header)];
  for (const citation of citations) {
    const excerpt = (citation.text ?? '').trim();
    const body = excerpt.length > EXCERPT_CHARS ? `${excerpt.slice(0, EXCERPT_CHARS).trimEnd()}…` : excerpt;
    blocks.push(section(`*${escape(citation.marker)}* ${escape(body || citation.title)}`));
  }
  const lines = citations.map((citation) => {
    const headings = (citation.headingPath ?? []).filter((heading, index) => index > 0 || heading !== citation.title);
    return `${escape(citation.marker)} ${link(sourceUrlOf(citation), citation.title)}${headings.length ? ` › ${escape(headings.join(' › '))}` : ''}`;
  });
  if (more > 0) lines.push(`… and ${more} more in the Vigie console`);
  blocks.push({ type: 'divider' });
  // The sources list is one section unless it outgrows Slack's text limit.
  let chunk = '*Sources*';
  for (const line of lines) {
    if (chunk.length + line.length + 1 > SLACK_LIMITS.text) {
      blocks.push(section(chunk));
      chunk = '';
    }
    chunk = chunk ? `${chunk}\n${line}` : line;
  }
  if (chunk) blocks.push(section(chunk));
  return blocks;
}

/** Block Kit for a service_search result: one section per card with its fields, why/distance below. */
export function serviceBlocks(data: unknown): KnownBlock[] | undefined {
  const parsed = serviceCardsResultSchema.safeParse(data);
  if (!parsed.success) return undefined;
  const cards = parsed.data.cards.slice(0, MAX_CARDS);
  const total = parsed.data.cards.length;
  const blocks: KnownBlock[] = [
    section(`:mag: *Services* · ${total} match${total === 1 ? '' : 'es'}${total > cards.length ? ` (first ${cards.length} shown)` : ''}`),
  ];
  for (const card of cards) {
    const text = [`*${escape(card.title)}*`, card.subtitle ? `_${escape(card.subtitle)}_` : '', escape(card.text)]
      .filter(Boolean)
      .join('\n');
    const fields = card.fields.slice(0, SLACK_LIMITS.fields).map((field) => ({
      type: 'mrkdwn' as const,
      text: clampText(`*${escape(field.label)}*\n${escape(field.value)}`, SLACK_LIMITS.fieldText),
    }));
    blocks.push({
      type: 'section',
      block_id: `service:${card.id}`.slice(0, 255),
      text: { type: 'mrkdwn', text: clampText(text, SLACK_LIMITS.text) },
      ...(fields.length ? { fields } : {}),
    });
    if (card.footer) blocks.push(context(`:information_source: ${escape(card.footer)}`));
  }
  return blocks;
}

/** Dedicated blocks for a succeeded execution whose result has a card layout; undefined otherwise. */
export function resultCardBlocks(execution: ExecutionView): KnownBlock[] | undefined {
  if (execution.status !== 'succeeded') return undefined;
  const result = execution.result as { status?: unknown; data?: unknown } | null;
  if (!result || result.status !== 'success') return undefined;
  if (execution.tool === 'knowledge_search') {
    const query = (execution.arguments as { query?: unknown } | null)?.query;
    return knowledgeBlocks(result.data, typeof query === 'string' ? query : undefined);
  }
  if (execution.tool === 'service_search') return serviceBlocks(result.data);
  return undefined;
}

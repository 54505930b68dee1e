/**
 * Result views for Discord: Components V2 (message flag 1 << 15: a Container of Text Display
 * and Separator components, Action Rows for Approve / Deny), within Discord's limits of 40
 * components and 4,000 characters of text per message; and an embed as the fallback where
 * Components V2 cannot be used. Markdown characters in view text are escaped and mentions
 * are disabled by the callers (allowed_mentions), so results never ping or format.
 */
import { t, type Locale } from '../contracts/i18n.js';
import { safeUrl, type ResultView, type ViewBlock } from '../contracts/result-view.js';
import { barLines, chartLines, diffLines, tableLines, timelineLines, TONE_MARK, treeLines } from '../contracts/view-text.js';
import { clampEmbed, type DiscordEmbed } from './discord-cards.js';

/** The IS_COMPONENTS_V2 message flag. */
export const COMPONENTS_V2_FLAG = 1 << 15;
/** Discord's limits for a Components V2 message. */
export const V2_LIMITS = { components: 40, textChars: 4_000 } as const;

/** A component as Discord's API takes it. */
export type DiscordComponent = Record<string, unknown> & { type: number };

const TONE_COLOR: Record<string, number> = {
  ok: 0x2ecc71,
  info: 0x3498db,
  warning: 0xf1c40f,
  critical: 0xe74c3c,
  pending: 0xf1c40f,
  neutral: 0x95a5a6,
};

/** Escapes Discord markdown (and breaks mention syntax), so view text stays text. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/([\\*_~`|>#[\]()-])/g, '\\$1')
    .replace(/@/g, '@\u200b')
    .replace(/<(?=[@#:a!&])/g, '<\u200b');
}

function code(lines: string[], room: number): string {
  // Code is shown verbatim, except what could close the block or ping (mentions are also off in allowed_mentions).
  const body = lines
    .join('\n')
    .replace(/```/g, '`\u200b``')
    .replace(/@/g, '@\u200b')
    .replace(/<(?=[@#:a!&])/g, '<\u200b');
  const cut = body.length > room - 8 ? `${body.slice(0, Math.max(0, room - 9))}…` : body;
  return `\`\`\`\n${cut}\n\`\`\``;
}

function blockText(block: ViewBlock, room: number, locale?: Locale): string {
  const title = 'title' in block && block.title ? `**${escapeMarkdown(block.title)}**\n` : '';
  switch (block.type) {
    case 'fields':
      return title + block.fields.map((field) => `**${escapeMarkdown(field.label)}:** ${escapeMarkdown(field.value)}`).join('\n');
    case 'text':
      return title + escapeMarkdown(block.text);
    case 'badges':
      return block.badges.map((badge) => `${TONE_MARK[badge.tone] ?? ''} ${escapeMarkdown(badge.label)}`).join('   ');
    case 'table':
      return title + code(tableLines(block, 22, 25, locale), room - title.length);
    case 'chart':
      return title + code(chartLines(block, locale), room - title.length);
    case 'bars':
      return title + code(barLines(block, 14, 20), room - title.length);
    case 'diff':
      return title + code(diffLines(block, locale), room - title.length);
    case 'code':
      return title + code(block.text.split('\n'), room - title.length);
    case 'tree':
      return title + code(treeLines(block), room - title.length);
    case 'timeline':
      return title + code(timelineLines(block), room - title.length);
    case 'citations':
      return `**${escapeMarkdown(t(locale, 'view.sources'))}**\n${block.items.map((item) => `${escapeMarkdown(item.marker)} ${item.url && safeUrl(item.url) ? `[${escapeMarkdown(item.title)}](<${item.url.replace(/[()<>]/g, encodeURIComponent)}>)` : `**${escapeMarkdown(item.title)}**`}${item.location ? ` · ${escapeMarkdown(item.location)}` : ''}`).join('\n')}`;
    case 'cards':
      return block.cards
        .map((card) =>
          [
            `**${escapeMarkdown(card.title)}**`,
            card.subtitle ? `*${escapeMarkdown(card.subtitle)}*` : '',
            escapeMarkdown(card.text),
            card.fields.map((field) => `${escapeMarkdown(field.label)}: ${escapeMarkdown(field.value)}`).join(' · '),
            card.footer ? `-# ${escapeMarkdown(card.footer)}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        )
        .join('\n\n');
  }
}

/** Counts components recursively (Discord's 40 counts nested ones too). */
export function countComponents(components: DiscordComponent[]): number {
  return components.reduce(
    (sum, component) => sum + 1 + countComponents((component.components as DiscordComponent[] | undefined) ?? []),
    0,
  );
}

/** Characters of text displays (Discord's 4,000 counts every text display). */
export function countText(components: DiscordComponent[]): number {
  return components.reduce(
    (sum, component) =>
      sum +
      (typeof component.content === 'string' ? component.content.length : 0) +
      countText((component.components as DiscordComponent[] | undefined) ?? []),
    0,
  );
}

/**
 * A view as one Components V2 container, leaving `reserve` components and `reserveChars`
 * characters for what the caller adds (a header, Approve/Deny buttons).
 */
export function viewContainer(
  view: ResultView,
  options: { header?: string; reserve?: number; reserveChars?: number; after?: DiscordComponent[] } = {},
): DiscordComponent {
  const maxComponents = V2_LIMITS.components - 1 - (options.reserve ?? 0) - countComponents(options.after ?? []);
  let chars = V2_LIMITS.textChars - (options.reserveChars ?? 0) - countText(options.after ?? []);
  const children: DiscordComponent[] = [];
  const push = (content: string) => {
    if (chars <= 1 || children.length >= maxComponents - 1) return false;
    const text = content.length > chars ? `${content.slice(0, chars - 1)}…` : content;
    children.push({ type: 10, content: text });
    chars -= text.length;
    return true;
  };
  if (options.header) push(options.header);
  push(`### ${TONE_MARK[view.tone] ?? ''} ${escapeMarkdown(view.headline)}`);
  for (const block of view.blocks) {
    if (children.length >= maxComponents - 2 || chars < 40) {
      push(`-# ${escapeMarkdown(t(view.locale, 'view.more'))}`);
      break;
    }
    if (block.type === 'table' || block.type === 'code' || block.type === 'diff') children.push({ type: 14, divider: true, spacing: 1 });
    if (!push(blockText(block, Math.min(chars, 1_800), view.locale))) break;
  }
  return { type: 17, accent_color: TONE_COLOR[view.tone] ?? TONE_COLOR.neutral!, components: [...children, ...(options.after ?? [])] };
}

/** The embed fallback of a view (older clients, webhooks without Components V2). */
export function viewEmbed(view: ResultView): DiscordEmbed {
  const fields = view.blocks.flatMap((block) =>
    block.type === 'fields' ? block.fields.map((field) => ({ name: field.label, value: field.value, inline: true })) : [],
  );
  const description = view.blocks
    .filter((block) => block.type !== 'fields')
    .map((block) => blockText(block, 1_500, view.locale))
    .join('\n\n');
  return clampEmbed({ title: view.headline, description, color: TONE_COLOR[view.tone] ?? TONE_COLOR.neutral!, fields });
}

/**
 * Result views as Slack Block Kit: a headline section, fields as section fields (10 per
 * section), tables, trees, diffs and charts as preformatted text (sparklines for charts),
 * citations as linked sections, cards as sections with fields. Every string is escaped for
 * mrkdwn (&, <, >: no mention, channel ping or link can be injected), code fences inside
 * text are broken, and Slack's limits hold (3,000 characters per text, 10 fields of 2,000,
 * 10 context elements, `maxBlocks` blocks).
 */
import type { types } from '@slack/bolt';
import { t, type Locale } from '../contracts/i18n.js';
import { safeUrl, type ResultView, type ViewBlock } from '../contracts/result-view.js';
import { barLines, chartLines, diffLines, tableLines, timelineLines, TONE_MARK, treeLines } from '../contracts/view-text.js';

type KnownBlock = types.KnownBlock;

const TEXT_LIMIT = 3_000;
const FIELD_LIMIT = 2_000;

/** Escapes mrkdwn control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts escaped text without splitting an entity. */
function clampText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit - 1).replace(/&[a-z]*$/, '')}…`;
}

const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clampText(text, TEXT_LIMIT) || ' ' } });
const context = (text: string): KnownBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: clampText(text, TEXT_LIMIT) || ' ' }],
});

/** Lines in a code block: escaped, fences neutralised, cut to the text limit. */
function preformatted(lines: string[], title?: string): KnownBlock[] {
  const body = escapeMrkdwn(lines.join('\n')).replace(/```/g, '`\u200b``');
  const head = title ? `*${escapeMrkdwn(title)}*\n` : '';
  const room = TEXT_LIMIT - head.length - 8;
  return [section(`${head}\`\`\`${body.length > room ? `${body.slice(0, room - 1).replace(/&[a-z]*$/, '')}…` : body}\`\`\``)];
}

function blockOf(block: ViewBlock, locale?: Locale): KnownBlock[] {
  switch (block.type) {
    case 'fields': {
      const out: KnownBlock[] = [];
      for (let index = 0; index < block.fields.length; index += 10) {
        const fields = block.fields.slice(index, index + 10).map((field) => ({
          type: 'mrkdwn' as const,
          text: clampText(`*${escapeMrkdwn(field.label)}*\n${escapeMrkdwn(field.value)}`, FIELD_LIMIT),
        }));
        out.push({
          type: 'section',
          ...(index === 0 && block.title ? { text: { type: 'mrkdwn' as const, text: `*${escapeMrkdwn(block.title)}*` } } : {}),
          fields,
        });
      }
      return out;
    }
    case 'text':
      return [section(`${block.title ? `*${escapeMrkdwn(block.title)}*\n` : ''}${escapeMrkdwn(block.text)}`)];
    case 'badges':
      return block.badges.length
        ? [context(block.badges.map((badge) => `${TONE_MARK[badge.tone] ?? ''} ${escapeMrkdwn(badge.label)}`).join('   '))]
        : [];
    case 'table':
      return preformatted(tableLines(block, 24, 30, locale), block.title);
    case 'chart':
      return preformatted(chartLines(block, locale), block.title);
    case 'bars':
      return preformatted(barLines(block, 16, 22), block.title);
    case 'diff':
      return preformatted(diffLines(block, locale), block.title);
    case 'code':
      return preformatted(block.text.split('\n'), block.title);
    case 'tree':
      return preformatted(treeLines(block), block.title);
    case 'timeline':
      return preformatted(timelineLines(block), block.title);
    case 'citations': {
      const lines = block.items.map((item) => {
        const title =
          item.url && safeUrl(item.url)
            ? `<${item.url.replace(/&/g, '&amp;')}|${escapeMrkdwn(item.title).replace(/\|/g, '¦')}>`
            : `*${escapeMrkdwn(item.title)}*`;
        return `${escapeMrkdwn(item.marker)} ${title}${item.location ? ` · ${escapeMrkdwn(item.location)}` : ''}`;
      });
      return [section(`*${escapeMrkdwn(t(locale, 'view.sources'))}*\n${lines.join('\n')}`)];
    }
    case 'cards':
      return block.cards.flatMap((card): KnownBlock[] => {
        const text = [`*${escapeMrkdwn(card.title)}*`, card.subtitle ? `_${escapeMrkdwn(card.subtitle)}_` : '', escapeMrkdwn(card.text)]
          .filter(Boolean)
          .join('\n');
        const fields = card.fields.slice(0, 10).map((field) => ({
          type: 'mrkdwn' as const,
          text: clampText(`*${escapeMrkdwn(field.label)}*\n${escapeMrkdwn(field.value)}`, FIELD_LIMIT),
        }));
        return [
          { type: 'section', text: { type: 'mrkdwn', text: clampText(text, TEXT_LIMIT) }, ...(fields.length ? { fields } : {}) },
          ...(card.footer ? [context(`ℹ ${escapeMrkdwn(card.footer)}`)] : []),
        ];
      });
  }
}

/** The blocks of a view, at most `maxBlocks` (a last context line says when some were left out). */
export function viewBlocks(view: ResultView, maxBlocks = 40): KnownBlock[] {
  const blocks: KnownBlock[] = [section(`${TONE_MARK[view.tone] ?? ''} *${escapeMrkdwn(view.headline)}*`)];
  for (const block of view.blocks) blocks.push(...blockOf(block, view.locale));
  if (blocks.length <= maxBlocks) return blocks;
  return [...blocks.slice(0, Math.max(1, maxBlocks - 1)), context(t(view.locale, 'view.more'))];
}

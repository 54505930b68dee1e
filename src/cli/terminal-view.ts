/**
 * Result views in the terminal: the headline with its tone mark, fields as aligned
 * "label  value" lines, tables with column rules, sparklines for charts, block bars, trees,
 * diffs and timelines as text. Control characters in view strings are replaced, so a result
 * can never move the cursor or recolour the terminal (ANSI escapes stay inert).
 */
import { t, type Locale } from '../contracts/i18n.js';
import type { ResultView, ViewBlock } from '../contracts/result-view.js';
import { barLines, chartLines, diffLines, fit, tableLines, timelineLines, TONE_MARK, treeLines } from '../contracts/view-text.js';

/** Replaces C0/C1 controls (ESC included) except newlines and tabs. */
export function inert(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '�');
}

function blockLines(block: ViewBlock, locale?: Locale): string[] {
  const title = 'title' in block && block.title ? [`${block.title}:`] : [];
  switch (block.type) {
    case 'fields': {
      const width = Math.min(24, Math.max(...block.fields.map((field) => field.label.length), 0));
      return [...title, ...block.fields.map((field) => `  ${fit(field.label, width)}  ${field.value}`)];
    }
    case 'text':
      return [...title, ...block.text.split('\n').map((line) => `  ${line}`)];
    case 'badges':
      return [`  ${block.badges.map((badge) => `${TONE_MARK[badge.tone] ?? ''} ${badge.label}`).join('   ')}`];
    case 'table':
      return [...title, ...tableLines(block, 32, 200, locale).map((line) => `  ${line}`)];
    case 'chart':
      return [`${block.title}${block.unit ? ` (${block.unit})` : ''}:`, ...chartLines(block, locale).map((line) => `  ${line}`)];
    case 'bars':
      return [...title, ...barLines(block).map((line) => `  ${line}`)];
    case 'diff':
      return [...title, ...diffLines(block, locale).map((line) => `  ${line}`)];
    case 'code':
      return [`${block.title}:`, ...block.text.split('\n').map((line) => `    ${line}`)];
    case 'tree':
      return [...title, ...treeLines(block).map((line) => `  ${line}`)];
    case 'timeline':
      return [...title, ...timelineLines(block).map((line) => `  ${line}`)];
    case 'citations':
      return [
        `${t(locale, 'view.sources')}:`,
        ...block.items.map(
          (item) => `  ${item.marker} ${item.title}${item.location ? ` · ${item.location}` : ''}${item.url ? `  ${item.url}` : ''}`,
        ),
      ];
    case 'cards':
      return block.cards.flatMap((card) => [
        `  ■ ${card.title}`,
        ...(card.subtitle ? [`    ${card.subtitle}`] : []),
        ...(card.text ? [`    ${card.text}`] : []),
        ...card.fields.map((field) => `    ${field.label}: ${field.value}`),
        ...(card.footer ? [`    (${card.footer})`] : []),
      ]);
  }
}

/** The whole view as terminal text (one string, trailing newline). */
export function renderTerminalView(view: ResultView): string {
  const lines = [`${TONE_MARK[view.tone] ?? ''} ${view.headline}`];
  for (const block of view.blocks) lines.push('', ...blockLines(block, view.locale));
  return `${inert(lines.join('\n'))}\n`;
}

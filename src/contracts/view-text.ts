/**
 * Plain-text layouts of view blocks shared by the renderers that have no native table or
 * chart (Slack mrkdwn, Discord markdown, the CLI): aligned text tables, unicode sparklines and
 * bars, indented trees. Pure functions over strings; each renderer escapes for its medium.
 */
import type { BlockOf } from './result-view.js';
import { t, type Locale } from './i18n.js';

const SPARKS = '▁▂▃▄▅▆▇█';

/** Width of a string as a terminal shows it (combining marks count zero; good enough for tables). */
export function displayWidth(text: string): number {
  return [...text.normalize('NFC')].length;
}

/** Pads or cuts to a width. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const chars = [...text.replace(/[\r\n\t]+/g, ' ')];
  const cut = chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join('')}…` : chars.join('');
  const pad = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  return align === 'right' ? pad + cut : cut + pad;
}

/** A table as aligned lines (header, rule, rows), each column at most `maxColumn` wide. */
export function tableLines(block: BlockOf<'table'>, maxColumn = 28, maxRows = 50, locale?: Locale): string[] {
  const cells = (row: Record<string, unknown>) =>
    block.columns.map((column) => {
      const value = row[column.key];
      return value === null || value === undefined ? '—' : String(value);
    });
  const rows = block.rows.slice(0, maxRows).map(cells);
  const widths = block.columns.map((column, index) =>
    Math.min(maxColumn, Math.max(displayWidth(column.label), ...rows.map((row) => displayWidth(row[index]!)))),
  );
  const line = (values: string[]) =>
    values
      .map((value, index) => fit(value, widths[index]!, block.columns[index]!.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const lines = [line(block.columns.map((column) => column.label)), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)];
  const total = block.total ?? block.rows.length;
  if (total > rows.length) lines.push(t(locale, 'view.moreRows', { count: total - rows.length }));
  return lines;
}

/** One sparkline per series, with min / max. */
export function chartLines(block: BlockOf<'chart'>, locale?: Locale): string[] {
  return block.series.map((series) => {
    const values = series.points.filter((point): point is number => point !== null);
    if (values.length === 0) return t(locale, 'view.noSeriesData', { name: series.name });
    const min = Math.min(...values);
    const max = Math.max(...values);
    const spark = series.points
      .map((point) => (point === null ? '·' : SPARKS[max === min ? 3 : Math.round(((point - min) / (max - min)) * (SPARKS.length - 1))]))
      .join('');
    const unit = block.unit ? ` ${block.unit}` : '';
    return `${series.name}: ${spark}  min ${round(min)}${unit}, max ${round(max)}${unit}`;
  });
}

const round = (value: number) => String(Math.round(value * 10) / 10);

/** Bars drawn with block characters, `width` cells at full scale. */
export function barLines(block: BlockOf<'bars'>, width = 20, labelWidth = 24): string[] {
  const max = block.max ?? Math.max(1e-9, ...block.items.map((item) => item.value));
  return block.items.map((item) => {
    const filled = Math.max(0, Math.min(width, Math.round((item.value / max) * width)));
    return `${fit(item.label, labelWidth)} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${item.display}`;
  });
}

/** A tree as indented lines. */
export function treeLines(block: BlockOf<'tree'>): string[] {
  return block.nodes.map(
    (node) => `${'  '.repeat(node.depth)}${node.depth > 0 ? '└ ' : ''}${node.label}${node.detail ? `  ${node.detail}` : ''}`,
  );
}

/** A diff as -/+ lines. */
export function diffLines(block: BlockOf<'diff'>, locale?: Locale): string[] {
  const lines = [...block.removed.map((line) => `- ${line}`), ...block.added.map((line) => `+ ${line}`)];
  if (block.unchanged) lines.push(`  ${t(locale, 'view.unchangedLines', { count: block.unchanged })}`);
  return lines.length ? lines : [t(locale, 'view.noChange')];
}

/** A timeline as lines. */
export function timelineLines(block: BlockOf<'timeline'>): string[] {
  return block.items.map((item) => `${item.time}  ${item.title}${item.detail ? ` — ${item.detail}` : ''}`);
}

/** Emoji-free tone marks for text channels. */
export const TONE_MARK: Record<string, string> = { ok: '✔', info: 'ℹ', warning: '⚠', critical: '✖', pending: '⏳', neutral: '•' };

/**
 * The result view: a small, channel-neutral document that every tool returns beside its data
 * (`result.view`), so the console, Slack, Discord and the CLI show a person a readable answer
 * (a headline, fields, tables, charts, diffs, citations, code, badges, a timeline) instead
 * of JSON. It lives in src/contracts because the browser console renders it too.
 *
 * A view is untrusted data at every renderer (it quotes hostnames, listing titles, document
 * passages): `clampView` bounds every string and list so a huge result cannot blow a
 * channel's limits, `resultViewSchema` checks the shape, and renderers treat every string as
 * text (never markup).
 */
import { z } from 'zod';
import { SUPPORTED_LOCALES, type Locale } from './i18n.js';

/** Hard limits of a view (each renderer may show less). */
export const VIEW_LIMITS = {
  headline: 300,
  label: 120,
  value: 1_000,
  text: 8_000,
  code: 20_000,
  blocks: 24,
  fields: 24,
  badges: 16,
  columns: 10,
  rows: 200,
  cell: 300,
  series: 6,
  points: 600,
  bars: 40,
  diffLines: 400,
  citations: 20,
  timeline: 200,
  treeNodes: 300,
  cards: 20,
  cardFields: 8,
  /** The whole view, serialized. */
  bytes: 256 * 1024,
} as const;

/** The tone of a badge, a headline or a timeline entry. */
export const TONES = ['ok', 'info', 'warning', 'critical', 'pending', 'neutral'] as const;
/** One of TONES. */
export type Tone = (typeof TONES)[number];

const tone = z.enum(TONES);
const str = (max: number) => z.string().max(max);
const cell = z.union([z.string().max(VIEW_LIMITS.cell), z.number(), z.null()]);

const fieldsBlock = z.strictObject({
  type: z.literal('fields'),
  title: str(VIEW_LIMITS.label).optional(),
  fields: z.array(z.strictObject({ label: str(VIEW_LIMITS.label), value: str(VIEW_LIMITS.value) })).max(VIEW_LIMITS.fields),
});
const textBlock = z.strictObject({
  type: z.literal('text'),
  title: str(VIEW_LIMITS.label).optional(),
  /** Plain text; `[n]` markers refer to a citations block of the same view. */
  text: str(VIEW_LIMITS.text),
});
const badgesBlock = z.strictObject({
  type: z.literal('badges'),
  badges: z.array(z.strictObject({ label: str(VIEW_LIMITS.label), tone })).max(VIEW_LIMITS.badges),
});
const tableBlock = z.strictObject({
  type: z.literal('table'),
  title: str(VIEW_LIMITS.label).optional(),
  columns: z
    .array(z.strictObject({ key: str(40), label: str(VIEW_LIMITS.label), align: z.enum(['left', 'right']).optional() }))
    .min(1)
    .max(VIEW_LIMITS.columns),
  rows: z.array(z.record(z.string().max(40), cell)).max(VIEW_LIMITS.rows),
  /** Tone per row (same index), e.g. a target that does not answer. */
  rowTones: z.array(tone).max(VIEW_LIMITS.rows).optional(),
  /** Rows in the data, when more than shown. */
  total: z.number().int().min(0).optional(),
});
const chartBlock = z.strictObject({
  type: z.literal('chart'),
  title: str(VIEW_LIMITS.label),
  kind: z.enum(['line', 'bar']),
  unit: str(20).optional(),
  /** X-axis labels (probe numbers, times); points are aligned on them. */
  labels: z.array(str(40)).max(VIEW_LIMITS.points),
  series: z
    .array(z.strictObject({ name: str(VIEW_LIMITS.label), points: z.array(z.number().nullable()).max(VIEW_LIMITS.points) }))
    .min(1)
    .max(VIEW_LIMITS.series),
});
const barsBlock = z.strictObject({
  type: z.literal('bars'),
  title: str(VIEW_LIMITS.label).optional(),
  /** The value of a full bar (e.g. 1 for ratios); default: the largest value. */
  max: z.number().positive().optional(),
  items: z.array(z.strictObject({ label: str(VIEW_LIMITS.label), value: z.number().min(0), display: str(60) })).max(VIEW_LIMITS.bars),
});
const diffBlock = z.strictObject({
  type: z.literal('diff'),
  title: str(VIEW_LIMITS.label).optional(),
  removed: z.array(str(VIEW_LIMITS.cell)).max(VIEW_LIMITS.diffLines),
  added: z.array(str(VIEW_LIMITS.cell)).max(VIEW_LIMITS.diffLines),
  unchanged: z.number().int().min(0).optional(),
});
const codeBlock = z.strictObject({
  type: z.literal('code'),
  title: str(VIEW_LIMITS.label),
  language: str(20).optional(),
  text: str(VIEW_LIMITS.code),
  /** Shown folded (a click opens it): long command batches, raw output. */
  collapsed: z.boolean(),
});
const citationsBlock = z.strictObject({
  type: z.literal('citations'),
  items: z
    .array(
      z.strictObject({
        marker: str(8),
        title: str(VIEW_LIMITS.label),
        location: str(VIEW_LIMITS.cell).optional(),
        /** http(s) only; renderers drop anything else. */
        url: str(2_000).optional(),
        excerpt: str(VIEW_LIMITS.value).optional(),
      }),
    )
    .max(VIEW_LIMITS.citations),
});
const timelineBlock = z.strictObject({
  type: z.literal('timeline'),
  title: str(VIEW_LIMITS.label).optional(),
  items: z
    .array(
      z.strictObject({ time: str(40), title: str(VIEW_LIMITS.label), detail: str(VIEW_LIMITS.cell).optional(), tone: tone.optional() }),
    )
    .max(VIEW_LIMITS.timeline),
});
const treeBlock = z.strictObject({
  type: z.literal('tree'),
  title: str(VIEW_LIMITS.label).optional(),
  /** Nodes in display order; `depth` 0 is a root. */
  nodes: z
    .array(
      z.strictObject({ label: str(VIEW_LIMITS.label), detail: str(VIEW_LIMITS.cell).optional(), depth: z.number().int().min(0).max(16) }),
    )
    .max(VIEW_LIMITS.treeNodes),
});
const cardsBlock = z.strictObject({
  type: z.literal('cards'),
  cards: z
    .array(
      z.strictObject({
        id: str(64),
        title: str(VIEW_LIMITS.label * 2),
        subtitle: str(VIEW_LIMITS.cell),
        text: str(VIEW_LIMITS.value),
        fields: z.array(z.strictObject({ label: str(VIEW_LIMITS.label), value: str(VIEW_LIMITS.cell) })).max(VIEW_LIMITS.cardFields),
        footer: str(VIEW_LIMITS.value),
      }),
    )
    .max(VIEW_LIMITS.cards),
});

/** One block of a view. */
export const viewBlockSchema = z.discriminatedUnion('type', [
  fieldsBlock,
  textBlock,
  badgesBlock,
  tableBlock,
  chartBlock,
  barsBlock,
  diffBlock,
  codeBlock,
  citationsBlock,
  timelineBlock,
  treeBlock,
  cardsBlock,
]);

/** A whole view. */
export const resultViewSchema = z.strictObject({
  /** What built it (`network.check`, `qos.plan`, `generic`…): renderers may style by it. */
  kind: str(60),
  headline: str(VIEW_LIMITS.headline),
  tone,
  blocks: z.array(viewBlockSchema).max(VIEW_LIMITS.blocks),
  /** The language its fixed words are written in (renderers write theirs, e.g. "… more", in it too). */
  locale: z.enum(SUPPORTED_LOCALES).optional(),
});

/** A result view. */
export type ResultView = z.infer<typeof resultViewSchema>;
/** One block. */
export type ViewBlock = z.infer<typeof viewBlockSchema>;
/** A block of a given type. */
export type BlockOf<T extends ViewBlock['type']> = Extract<ViewBlock, { type: T }>;

/** A string cut to `max` characters with an ellipsis (surrogate pairs kept whole). */
export function clip(value: unknown, max: number): string {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, Math.max(0, cut))}…`;
}

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function clampBlock(block: ViewBlock): ViewBlock {
  const L = VIEW_LIMITS;
  const title = (value: string | undefined) => (value === undefined ? {} : { title: clip(value, L.label) });
  switch (block.type) {
    case 'fields':
      return {
        type: 'fields',
        ...title(block.title),
        fields: block.fields.slice(0, L.fields).map((f) => ({ label: clip(f.label, L.label), value: clip(f.value, L.value) })),
      };
    case 'text':
      return { type: 'text', ...title(block.title), text: clip(block.text, L.text) };
    case 'badges':
      return { type: 'badges', badges: block.badges.slice(0, L.badges).map((b) => ({ label: clip(b.label, L.label), tone: b.tone })) };
    case 'table': {
      const columns = block.columns
        .slice(0, L.columns)
        .map((c) => ({ key: clip(c.key, 40), label: clip(c.label, L.label), ...(c.align ? { align: c.align } : {}) }));
      const rows = block.rows.slice(0, L.rows).map((row) =>
        Object.fromEntries(
          columns.map((c) => {
            const value = row[c.key];
            return [c.key, typeof value === 'number' ? finite(value) : value === null || value === undefined ? null : clip(value, L.cell)];
          }),
        ),
      );
      const total = block.total ?? block.rows.length;
      return {
        type: 'table',
        ...title(block.title),
        columns,
        rows,
        ...(block.rowTones ? { rowTones: block.rowTones.slice(0, rows.length) } : {}),
        ...(total > rows.length ? { total } : {}),
      };
    }
    case 'chart': {
      const labels = block.labels.slice(0, L.points).map((label) => clip(label, 40));
      return {
        type: 'chart',
        title: clip(block.title, L.label),
        kind: block.kind,
        ...(block.unit ? { unit: clip(block.unit, 20) } : {}),
        labels,
        series: block.series
          .slice(0, L.series)
          .map((s) => ({ name: clip(s.name, L.label), points: s.points.slice(0, L.points).map(finite) })),
      };
    }
    case 'bars':
      return {
        type: 'bars',
        ...title(block.title),
        ...(block.max && block.max > 0 && Number.isFinite(block.max) ? { max: block.max } : {}),
        items: block.items
          .slice(0, L.bars)
          .map((i) => ({ label: clip(i.label, L.label), value: Math.max(0, finite(i.value) ?? 0), display: clip(i.display, 60) })),
      };
    case 'diff':
      return {
        type: 'diff',
        ...title(block.title),
        removed: block.removed.slice(0, L.diffLines).map((line) => clip(line, L.cell)),
        added: block.added.slice(0, L.diffLines).map((line) => clip(line, L.cell)),
        ...(block.unchanged !== undefined ? { unchanged: Math.max(0, Math.trunc(block.unchanged)) } : {}),
      };
    case 'code':
      return {
        type: 'code',
        title: clip(block.title, L.label),
        ...(block.language ? { language: clip(block.language, 20) } : {}),
        text: clip(block.text, L.code),
        collapsed: block.collapsed,
      };
    case 'citations':
      return {
        type: 'citations',
        items: block.items.slice(0, L.citations).map((c) => ({
          marker: clip(c.marker, 8),
          title: clip(c.title, L.label),
          ...(c.location ? { location: clip(c.location, L.cell) } : {}),
          ...(c.url && safeUrl(c.url) ? { url: c.url } : {}),
          ...(c.excerpt ? { excerpt: clip(c.excerpt, L.value) } : {}),
        })),
      };
    case 'timeline':
      return {
        type: 'timeline',
        ...title(block.title),
        items: block.items.slice(0, L.timeline).map((i) => ({
          time: clip(i.time, 40),
          title: clip(i.title, L.label),
          ...(i.detail ? { detail: clip(i.detail, L.cell) } : {}),
          ...(i.tone ? { tone: i.tone } : {}),
        })),
      };
    case 'tree':
      return {
        type: 'tree',
        ...title(block.title),
        nodes: block.nodes.slice(0, L.treeNodes).map((n) => ({
          label: clip(n.label, L.label),
          ...(n.detail ? { detail: clip(n.detail, L.cell) } : {}),
          depth: Math.min(16, Math.max(0, Math.trunc(n.depth))),
        })),
      };
    case 'cards':
      return {
        type: 'cards',
        cards: block.cards.slice(0, L.cards).map((c) => ({
          id: clip(c.id, 64),
          title: clip(c.title, L.label * 2),
          subtitle: clip(c.subtitle, L.cell),
          text: clip(c.text, L.value),
          fields: c.fields.slice(0, L.cardFields).map((f) => ({ label: clip(f.label, L.label), value: clip(f.value, L.cell) })),
          footer: clip(c.footer, L.value),
        })),
      };
  }
}

/** A URL renderers may turn into a link: http(s), no spaces or angle brackets. */
export function safeUrl(url: string): boolean {
  return url.length <= 2_000 && /^https?:\/\/[^\s<>"|`]+$/i.test(url);
}

/**
 * Bounds a view built by a tool (strings, lists, blocks, then the serialized size: the
 * largest blocks are dropped from the end until it fits). Builders call it last.
 */
export function clampView(view: ResultView): ResultView {
  const locale = (SUPPORTED_LOCALES as readonly unknown[]).includes(view.locale) ? { locale: view.locale as Locale } : {};
  const clamped: ResultView = {
    kind: clip(view.kind, 60),
    headline: clip(view.headline, VIEW_LIMITS.headline),
    tone: view.tone,
    blocks: view.blocks.slice(0, VIEW_LIMITS.blocks).map(clampBlock),
    ...locale,
  };
  while (clamped.blocks.length > 0 && JSON.stringify(clamped).length > VIEW_LIMITS.bytes) clamped.blocks.pop();
  return clamped;
}

/** A view from untrusted JSON (a stored result, a socket payload), or null when it is not one. */
export function parseResultView(value: unknown): ResultView | null {
  if (!value || typeof value !== 'object') return null;
  const parsed = resultViewSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  // A view slightly over a limit (an older writer) is clamped, then checked again.
  try {
    const again = resultViewSchema.safeParse(clampView(value as ResultView));
    return again.success ? again.data : null;
  } catch {
    return null;
  }
}

/** The view stored beside an execution's data (`result.view`), if any. */
export function viewOfResult(result: unknown): ResultView | null {
  if (!result || typeof result !== 'object') return null;
  return parseResultView((result as { view?: unknown }).view);
}

/** A short plain-text rendering of a view (headline and first fields): for logs, notifications, model context. */
export function viewSummary(view: ResultView, maxChars = 600): string {
  const lines = [view.headline];
  for (const block of view.blocks) {
    if (block.type === 'fields') lines.push(block.fields.map((f) => `${f.label}: ${f.value}`).join(' · '));
    if (block.type === 'badges') lines.push(block.badges.map((b) => b.label).join(' · '));
    if (lines.join('\n').length > maxChars) break;
  }
  return clip(lines.filter(Boolean).join('\n'), maxChars);
}

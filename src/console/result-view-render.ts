/**
 * Result views in the console: a view (src/contracts/result-view.ts) becomes DOM built with
 * textContent and setAttribute only (never innerHTML), so a hostname, a listing title or a
 * passage can never become markup. Charts are drawn with uPlot (canvas) where the browser
 * lays them out; bars are plain elements sized by style. The raw JSON of a result is one
 * click away in a closed <details>, never shown by default.
 */
import uPlot from 'uplot';
import type { BlockOf, ResultView, Tone, ViewBlock } from '../contracts/result-view.js';
import { safeUrl } from '../contracts/result-view.js';
import { createTranslator, type Translator } from '../contracts/i18n.js';
import { element } from './dom.js';

/** The console strings of the view renderer, from the shared catalog in `i18n`'s language. */
export function viewStrings(i18n: Translator) {
  return {
    details: i18n.t('console.rawDetails'),
    moreRows: (shown: number, total: number) => i18n.t('console.moreRows', { shown: i18n.number(shown), total: i18n.number(total) }),
    unchanged: (count: number) => i18n.t('console.unchangedLines', { count }),
    noChange: i18n.t('console.noChange'),
    chartLabel: (title: string) => i18n.t('console.chartLabel', { title }),
    sources: i18n.t('console.sources'),
    results: (count: number) => i18n.t('console.results', { count }),
    /** An ISO time in the reader's locale (anything else as given). */
    time: (value: string) =>
      /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value) ? i18n.date(value, { dateStyle: 'medium', timeStyle: 'medium' }) : value,
  };
}

/** The strings a renderer uses (English unless the console passes its translator). */
export type ViewStrings = ReturnType<typeof viewStrings>;

const toneClass = (tone: Tone | undefined) => `tone-${tone ?? 'neutral'}`;

function table(block: BlockOf<'table'>, strings: ViewStrings): HTMLElement {
  const head = element(
    'tr',
    {},
    block.columns.map((column) =>
      element('th', { text: column.label, attributes: { scope: 'col', ...(column.align === 'right' ? { class: 'num' } : {}) } }),
    ),
  );
  const rows = block.rows.map((row, index) =>
    element(
      'tr',
      { className: toneClass(block.rowTones?.[index]) },
      block.columns.map((column) => {
        const value = row[column.key];
        return element('td', {
          text: value === null || value === undefined ? '—' : String(value),
          ...(column.align === 'right' ? { className: 'num' } : {}),
        });
      }),
    ),
  );
  const wrapper = element('div', { className: 'view-table-wrap' }, [
    element('table', { className: 'view-table' }, [element('thead', {}, [head]), element('tbody', {}, rows)]),
  ]);
  if (block.total !== undefined && block.total > block.rows.length)
    wrapper.append(element('p', { className: 'view-note', text: strings.moreRows(block.rows.length, block.total) }));
  return wrapper;
}

const PALETTE = ['#4da3ff', '#3ecf8e', '#f5a623', '#ff5c5c', '#b58cff', '#5ce1e6'];

/** Draws a chart with uPlot once the element is in the page (it needs a width). */
function chart(block: BlockOf<'chart'>, strings: ViewStrings): HTMLElement {
  const figure = element('figure', { className: 'view-chart', attributes: { role: 'img', 'aria-label': strings.chartLabel(block.title) } });
  const caption = element('figcaption', { text: `${block.title}${block.unit ? ` (${block.unit})` : ''}` });
  const canvasHost = element('div', { className: 'view-chart-canvas' });
  // A text fallback: the series as a line of values (screen readers, no canvas).
  const fallback = element('p', {
    className: 'visually-hidden',
    text: block.series
      .map((series) => `${series.name}: ${series.points.map((point) => (point === null ? '—' : String(point))).join(', ')}`)
      .join('; '),
  });
  figure.append(caption, canvasHost, fallback);
  const xs = block.labels.map((_label, index) => index + 1);
  const data: uPlot.AlignedData = [xs, ...block.series.map((series) => xs.map((_x, index) => series.points[index] ?? null))];
  const draw = () => {
    const width = Math.max(240, Math.min(canvasHost.clientWidth || 480, 900));
    try {
      new uPlot(
        {
          width,
          height: 180,
          scales: { x: { time: false } },
          axes: [
            { stroke: '#8a96a3', grid: { stroke: '#2a333d' } },
            { stroke: '#8a96a3', grid: { stroke: '#2a333d' }, ...(block.unit ? { label: block.unit } : {}) },
          ],
          series: [
            { label: '#' },
            ...block.series.map((series, index) => ({
              label: series.name,
              stroke: PALETTE[index % PALETTE.length]!,
              width: 2,
              spanGaps: false,
              points: { show: true, size: 5 },
              ...(block.kind === 'bar' ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }) } : {}),
            })),
          ],
          legend: { show: true },
        },
        data,
        canvasHost,
      );
    } catch (error) {
      canvasHost.textContent = `(${String((error as Error).message).slice(0, 120)})`;
    }
  };
  // Drawn when attached; a detached figure (tests, hidden panels) keeps its text fallback.
  queueMicrotask(() => (figure.isConnected ? draw() : requestAnimationFrame(() => figure.isConnected && draw())));
  return figure;
}

function bars(block: BlockOf<'bars'>): HTMLElement {
  const max = block.max ?? Math.max(1e-9, ...block.items.map((item) => item.value));
  return element(
    'ul',
    { className: 'view-bars' },
    block.items.map((item) => {
      const fill = element('span', { className: 'view-bar-fill' });
      fill.style.width = `${Math.min(100, Math.max(0, (item.value / max) * 100)).toFixed(1)}%`;
      return element('li', {}, [
        element('span', { className: 'view-bar-label', text: item.label }),
        element('span', { className: 'view-bar', attributes: { 'aria-hidden': 'true' } }, [fill]),
        element('span', { className: 'view-bar-value', text: item.display }),
      ]);
    }),
  );
}

function diff(block: BlockOf<'diff'>, strings: ViewStrings): HTMLElement {
  const lines = [
    ...block.removed.map((line) => element('li', { className: 'diff-removed', text: `- ${line}` })),
    ...block.added.map((line) => element('li', { className: 'diff-added', text: `+ ${line}` })),
  ];
  if (lines.length === 0) lines.push(element('li', { className: 'view-note', text: strings.noChange }));
  const list = element('ul', { className: 'view-diff' }, lines);
  return block.unchanged
    ? element('div', {}, [list, element('p', { className: 'view-note', text: strings.unchanged(block.unchanged) })])
    : list;
}

function code(block: BlockOf<'code'>): HTMLElement {
  const pre = element('pre', { className: 'view-code', text: block.text });
  if (!block.collapsed) return element('div', {}, [element('div', { className: 'view-block-title', text: block.title }), pre]);
  return element('details', { className: 'view-code-details' }, [element('summary', { text: block.title }), pre]);
}

function citations(block: BlockOf<'citations'>, scope: string): HTMLElement {
  return element(
    'ol',
    { className: 'view-citations' },
    block.items.map((item) => {
      const title: HTMLElement =
        item.url && safeUrl(item.url)
          ? element('a', { text: item.title, attributes: { href: item.url, rel: 'noopener noreferrer nofollow', target: '_blank' } })
          : element('strong', { text: item.title });
      return element('li', { attributes: { id: citationId(scope, item.marker) } }, [
        element('span', { className: 'citation-marker', text: item.marker }),
        ' ',
        title,
        ...(item.location ? [element('span', { className: 'view-note', text: ` · ${item.location}` })] : []),
        ...(item.excerpt ? [element('blockquote', { text: item.excerpt })] : []),
      ]);
    }),
  );
}

const citationId = (scope: string, marker: string) => `cite-${scope}-${marker.replace(/[^0-9a-z]/gi, '')}`;

/** Text whose [n] markers link to the passage of the same view's citations block. */
function citedText(block: BlockOf<'text'>, scope: string, markers: Set<string>): HTMLElement {
  const paragraph = element('div', { className: 'view-text' });
  let last = 0;
  for (const match of block.text.matchAll(/\[(\d{1,3})\]/g)) {
    if (!markers.has(match[0])) continue;
    paragraph.append(block.text.slice(last, match.index));
    paragraph.append(element('a', { className: 'citation-link', text: match[0], attributes: { href: `#${citationId(scope, match[0])}` } }));
    last = match.index + match[0].length;
  }
  paragraph.append(block.text.slice(last));
  return paragraph;
}

function cards(block: BlockOf<'cards'>, strings: ViewStrings): HTMLElement {
  return element(
    'ol',
    { className: 'service-cards', attributes: { 'aria-label': strings.results(block.cards.length) } },
    block.cards.map((card) =>
      element('li', { className: 'service-card', attributes: card.id ? { 'data-service-id': card.id } : {} }, [
        element('div', { className: 'service-card-title', text: card.title }),
        ...(card.subtitle ? [element('div', { className: 'service-card-subtitle', text: card.subtitle })] : []),
        ...(card.text ? [element('p', { className: 'service-card-text', text: card.text })] : []),
        ...(card.fields.length
          ? [
              element(
                'dl',
                { className: 'service-card-fields' },
                card.fields.flatMap((field) => [element('dt', { text: field.label }), element('dd', { text: field.value })]),
              ),
            ]
          : []),
        ...(card.footer ? [element('div', { className: 'service-card-footer', text: card.footer })] : []),
      ]),
    ),
  );
}

function renderBlock(block: ViewBlock, scope: string, markers: Set<string>, strings: ViewStrings): HTMLElement {
  const titled = (node: HTMLElement, title?: string) =>
    title
      ? element('section', { className: 'view-block' }, [element('div', { className: 'view-block-title', text: title }), node])
      : element('section', { className: 'view-block' }, [node]);
  switch (block.type) {
    case 'fields':
      return titled(
        element(
          'dl',
          { className: 'view-fields' },
          block.fields.flatMap((field) => [element('dt', { text: field.label }), element('dd', { text: field.value })]),
        ),
        block.title,
      );
    case 'text':
      return titled(citedText(block, scope, markers), block.title);
    case 'badges':
      return titled(
        element(
          'ul',
          { className: 'view-badges' },
          block.badges.map((badge) => element('li', { className: `badge ${toneClass(badge.tone)}`, text: badge.label })),
        ),
      );
    case 'table':
      return titled(table(block, strings), block.title);
    case 'chart':
      return titled(chart(block, strings));
    case 'bars':
      return titled(bars(block), block.title);
    case 'diff':
      return titled(diff(block, strings), block.title);
    case 'code':
      return titled(code(block));
    case 'citations':
      return titled(citations(block, scope), strings.sources);
    case 'timeline':
      return titled(
        element(
          'ol',
          { className: 'view-timeline' },
          block.items.map((item) =>
            element('li', { className: toneClass(item.tone) }, [
              element('time', { text: strings.time(item.time), attributes: { datetime: item.time } }),
              element('span', { className: 'timeline-title', text: item.title }),
              ...(item.detail ? [element('span', { className: 'view-note', text: item.detail })] : []),
            ]),
          ),
        ),
        block.title,
      );
    case 'tree':
      return titled(
        element(
          'ul',
          { className: 'view-tree' },
          block.nodes.map((node) => {
            const item = element('li', {}, [
              element('span', { className: 'tree-label', text: node.label }),
              ...(node.detail ? [element('span', { className: 'view-note', text: ` ${node.detail}` })] : []),
            ]);
            item.style.paddingLeft = `${node.depth * 1.1}rem`;
            return item;
          }),
        ),
        block.title,
      );
    case 'cards':
      return titled(cards(block, strings));
  }
}

/** The DOM of a view: headline with its tone, then each block (fixed strings in `i18n`'s language). */
export function renderView(view: ResultView, i18n: Translator = createTranslator('en')): HTMLElement {
  const strings = viewStrings(i18n);
  // Citation anchors are scoped per rendered view so two views on one page never share an id.
  const scope = Math.random().toString(36).slice(2, 10);
  const markers = new Set(view.blocks.flatMap((block) => (block.type === 'citations' ? block.items.map((item) => item.marker) : [])));
  return element(
    'div',
    { className: `result-view kind-${view.kind.replace(/[^a-z0-9-]/gi, '-')}`, attributes: { 'data-view-kind': view.kind } },
    [
      element('div', { className: `view-headline ${toneClass(view.tone)}`, text: view.headline }),
      ...view.blocks.map((block) => renderBlock(block, scope, markers, strings)),
    ],
  );
}

/** A closed "details" disclosure holding raw JSON (bounded), for the curious. */
export function rawDetails(value: unknown, load?: () => Promise<unknown>, i18n: Translator = createTranslator('en')): HTMLElement {
  const pre = element('pre', { className: 'raw-json' });
  const details = element('details', { className: 'raw-details' }, [element('summary', { text: viewStrings(i18n).details }), pre]);
  const fill = (data: unknown) => {
    const text = JSON.stringify(data, null, 2) ?? '';
    pre.textContent = text.length > 20_000 ? `${text.slice(0, 20_000)}…` : text;
  };
  fill(value);
  if (load) {
    details.addEventListener(
      'toggle',
      () => {
        if (details.open) void load().then(fill, (error: unknown) => (pre.textContent = String((error as Error).message)));
      },
      { once: true },
    );
  }
  return details;
}

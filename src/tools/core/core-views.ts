/**
 * Result views of the core tools: a knowledge_search answer as its passages with [n]
 * markers linked to a citations block (title, heading path, offsets, http(s) link); and
 * system_status as health fields and a toolset badge row. Also the audit-trail timeline
 * (one execution's or the feed's events), shared by the CLI and the console.
 */
import type { Translator } from '../../contracts/i18n.js';
import type { ResultView, Tone } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { asArray, asNumber, asRecord, asText, english, view } from '../view-format.js';

const EXCERPT = 500;

/** The view of a knowledge_search result: passages with [n] markers, then the cited sources. */
export function knowledgeView(input: { query?: string }, result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status === 'no_data') return view('knowledge.answer', result.message ?? i18n.t('view.knowledge.noMatch'), 'info', []);
  if (result.status !== 'success') return undefined;
  const citations = asArray(asRecord(result.data)?.citations).map((citation) => asRecord(citation) ?? {});
  if (citations.length === 0) return undefined;
  const passages = citations.map((citation) => {
    const text = asText(citation.text).trim().replace(/\s+\n/g, '\n');
    return `${text.length > EXCERPT ? `${text.slice(0, EXCERPT).trimEnd()}…` : text} ${asText(citation.marker)}`;
  });
  const headline = input.query
    ? i18n.t('view.knowledge.passagesFor', { count: citations.length, query: input.query })
    : i18n.t('view.knowledge.passages', { count: citations.length });
  return view('knowledge.answer', headline, 'ok', [
    { type: 'text', text: passages.join('\n\n') },
    {
      type: 'citations',
      items: citations.map((citation) => {
        const headings = asArray(citation.headingPath)
          .map(asText)
          .filter((heading, index) => index > 0 || heading !== asText(citation.title));
        const start = asNumber(citation.startOffset);
        const end = asNumber(citation.endOffset);
        const url = asText(citation.sourceUrl);
        return {
          marker: asText(citation.marker),
          title: asText(citation.title),
          location: [
            headings.join(' › '),
            start !== null && end !== null ? i18n.t('view.knowledge.chars', { start: i18n.number(start), end: i18n.number(end) }) : '',
          ]
            .filter(Boolean)
            .join(' · '),
          ...(url ? { url } : {}),
          excerpt: asText(citation.text).slice(0, 300),
        };
      }),
    },
  ]);
}

/** The view of a system_status result. */
export function systemStatusView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = asRecord(result.data) ?? {};
  const database = asRecord(data.database) ?? {};
  const memory = asRecord(data.memory) ?? {};
  const toolsets = asArray(data.toolsets).map((toolset) => asRecord(toolset) ?? {});
  const down = toolsets.filter((toolset) => toolset.ok === false);
  const uptime = asNumber(data.uptimeSeconds) ?? 0;
  const num = (value: unknown) => {
    const number = asNumber(value);
    return number === null ? '?' : i18n.number(number, { maximumFractionDigits: 2 });
  };
  const up = i18n.t('view.system.up', {
    version: asText(data.version),
    hours: i18n.number(Math.floor(uptime / 3600)),
    minutes: i18n.number(Math.floor((uptime % 3600) / 60)),
  });
  return view(
    'system.status',
    down.length ? i18n.t('view.semicolon', { first: up, second: i18n.t('view.system.toolsetsDown', { count: down.length }) }) : up,
    down.length ? 'warning' : 'ok',
    [
      {
        type: 'fields',
        fields: [
          { label: i18n.t('view.system.database'), value: `${asText(database.backend)} (${num(database.latencyMs)} ms)` },
          {
            label: i18n.t('view.system.memory'),
            value: i18n.t('view.system.memoryValue', { rss: num(memory.rssMb), heap: num(memory.heapUsedMb) }),
          },
          {
            label: i18n.t('view.system.load'),
            value: asArray(data.load)
              .map((load) => (typeof load === 'number' ? num(load) : asText(load)))
              .join(' / '),
          },
        ],
      },
      {
        type: 'badges',
        badges: toolsets.map((toolset) => ({ label: asText(toolset.name), tone: (toolset.ok === false ? 'warning' : 'ok') as Tone })),
      },
      down.length > 0 && {
        type: 'table',
        title: i18n.t('view.system.unavailable'),
        columns: [
          { key: 'name', label: i18n.t('view.system.toolset') },
          { key: 'detail', label: i18n.t('view.system.why') },
        ],
        rows: down.map((toolset) => ({ name: asText(toolset.name), detail: asText(toolset.detail) })),
        rowTones: down.map(() => 'warning' as const),
      },
    ],
  );
}

/** One audit event as the timeline reads it (the audit log's public fields). */
export interface AuditTimelineEvent {
  createdAt: string;
  action: string;
  status?: string | null;
  actorName?: string | null;
  channel?: string | null;
  tool?: string | null;
  details?: unknown;
}

function auditTone(action: string, status: string): Tone {
  if (/denied|refused|failed|expired|abandoned|timed_out/.test(`${action} ${status}`)) return 'critical';
  if (/proposed|pending/.test(action)) return 'pending';
  if (/succeeded|approved|confirmed/.test(`${action} ${status}`)) return 'ok';
  return 'info';
}

/** An audit trail as a timeline (oldest first), e.g. every stage of one execution. */
export function auditTimelineView(events: AuditTimelineEvent[], title?: string, i18n: Translator = english()): ResultView {
  const ordered = [...events].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const last = ordered.at(-1);
  const counted = i18n.t('view.audit.events', { title: title ?? i18n.t('view.audit.title'), count: ordered.length });
  return view(
    'audit.timeline',
    last ? `${counted}, ${i18n.t('view.audit.last', { action: last.action })}` : counted,
    last ? auditTone(last.action, asText(last.status)) : 'info',
    [
      {
        type: 'timeline',
        items: ordered.map((event) => {
          const reason = asText(asRecord(event.details)?.reason);
          return {
            time: event.createdAt,
            title: `${event.action}${event.tool ? ` · ${event.tool}` : ''}`,
            detail: [
              event.actorName ? i18n.t('view.audit.by', { name: event.actorName }) : '',
              event.channel ? i18n.t('view.audit.via', { channel: event.channel }) : '',
              reason,
            ]
              .filter(Boolean)
              .join(' · '),
            tone: auditTone(event.action, asText(event.status)),
          };
        }),
      },
    ],
  );
}

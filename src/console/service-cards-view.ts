/**
 * Service search results in the console: the `service_search` tool answers channel-neutral
 * `data.cards` (see src/tools/services/service-cards.ts); the chat shows them as cards
 * (title, subtitle with category, city and distance, description, price / availability /
 * contact fields, and the "why it matched" footer) instead of raw JSON.
 *
 * An execution result is untrusted data (service titles and descriptions are user text), so
 * it is checked field by field and bounded here, then described as a DOM-free tree of
 * nodes (pure, testable without a browser) that `buildView` materialises with textContent
 * and setAttribute only, never innerHTML.
 */
import { element } from './dom.js';

/** A card as the console accepts it from an execution result. */
export interface ConsoleServiceCard {
  id: string;
  title: string;
  subtitle: string;
  text: string;
  fields: Array<{ label: string; value: string }>;
  footer: string;
}

/** A DOM-free element description: tag, class, text, attributes and children. */
export interface ViewNode {
  tag: 'ol' | 'li' | 'div' | 'p' | 'dl' | 'dt' | 'dd';
  className?: string;
  text?: string;
  attributes?: Record<string, string>;
  children?: ViewNode[];
}

const MAX_CARDS = 20;
const MAX_FIELDS = 8;
const LIMITS = { id: 64, title: 200, subtitle: 300, text: 400, footer: 400, label: 40, value: 300 } as const;

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A string cut to `limit` characters (with an ellipsis), or `fallback` when it is not a string. */
function bounded(value: unknown, limit: number, fallback = ''): string {
  if (typeof value !== 'string') return fallback;
  return value.length > limit ? `${value.slice(0, limit - 1)}…` : value;
}

function card(value: unknown): ConsoleServiceCard | null {
  const raw = record(value);
  const title = raw ? bounded(raw.title, LIMITS.title).trim() : '';
  if (!raw || !title) return null;
  const fields = (Array.isArray(raw.fields) ? raw.fields : [])
    .map(record)
    .filter((field): field is Record<string, unknown> => field !== null && typeof field.label === 'string' && typeof field.value === 'string')
    .slice(0, MAX_FIELDS)
    .map((field) => ({ label: bounded(field.label, LIMITS.label), value: bounded(field.value, LIMITS.value) }));
  return {
    id: bounded(raw.id, LIMITS.id),
    title,
    subtitle: bounded(raw.subtitle, LIMITS.subtitle),
    text: bounded(raw.text, LIMITS.text),
    fields,
    footer: bounded(raw.footer, LIMITS.footer),
  };
}

/**
 * The service cards of an execution result (`{status, data: {cards: [...]}}`), or null when
 * it carries none; malformed cards are dropped, strings are bounded, at most 20 cards.
 */
export function serviceCardsOf(result: unknown): ConsoleServiceCard[] | null {
  const cards = record(record(result)?.data)?.cards;
  if (!Array.isArray(cards)) return null;
  const valid = cards.slice(0, MAX_CARDS).map(card).filter((value): value is ConsoleServiceCard => value !== null);
  return valid.length > 0 ? valid : null;
}

/** The cards as a list of nodes, in rank order. */
export function serviceCardsView(cards: ConsoleServiceCard[]): ViewNode {
  return {
    tag: 'ol',
    className: 'service-cards',
    attributes: { 'aria-label': `${cards.length} service${cards.length === 1 ? '' : 's'} found` },
    children: cards.map((item): ViewNode => ({
      tag: 'li',
      className: 'service-card',
      attributes: item.id ? { 'data-service-id': item.id } : {},
      children: [
        { tag: 'div', className: 'service-card-title', text: item.title },
        ...(item.subtitle ? [{ tag: 'div', className: 'service-card-subtitle', text: item.subtitle } as ViewNode] : []),
        ...(item.text ? [{ tag: 'p', className: 'service-card-text', text: item.text } as ViewNode] : []),
        ...(item.fields.length
          ? [
              {
                tag: 'dl',
                className: 'service-card-fields',
                children: item.fields.flatMap((field): ViewNode[] => [
                  { tag: 'dt', text: field.label },
                  { tag: 'dd', text: field.value },
                ]),
              } as ViewNode,
            ]
          : []),
        ...(item.footer ? [{ tag: 'div', className: 'service-card-footer', text: item.footer } as ViewNode] : []),
      ],
    })),
  };
}

/** Creates the elements a node tree describes (textContent and setAttribute only). */
export function buildView(node: ViewNode): HTMLElement {
  return element(
    node.tag,
    { ...(node.className ? { className: node.className } : {}), ...(node.text !== undefined ? { text: node.text } : {}), attributes: node.attributes ?? {} },
    (node.children ?? []).map(buildView),
  );
}

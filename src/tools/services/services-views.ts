/**
 * Result views of the services tools: search hits as the channel-neutral service cards
 * (service-cards.ts) inside a `cards` block, a draft as the fields that will be listed
 * (with where each came from), and service_create's approval preview: the exact draft that
 * approving will save.
 */
import type { Translator } from '../../contracts/i18n.js';
import type { ResultView } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { asRecord, asText, english, view } from '../view-format.js';
import { formatPrice, serviceCardsResultSchema } from './service-cards.js';
import type { ServiceDraft } from './draft-extractor.js';

/** The view of a service_search result: the cards. */
export function serviceSearchView(
  input: { q?: string; near?: string },
  result: ToolResult,
  i18n: Translator = english(),
): ResultView | undefined {
  const query = [input.q, input.near ? i18n.t('view.services.near', { place: input.near }) : ''].filter(Boolean).join(' ');
  if (result.status === 'no_data')
    return view('services.search', query ? i18n.t('view.services.noMatchFor', { query }) : i18n.t('view.services.noMatch'), 'info', []);
  if (result.status !== 'success') return undefined;
  const parsed = serviceCardsResultSchema.safeParse(result.data);
  if (!parsed.success) return undefined;
  const cards = parsed.data.cards;
  const headline = query
    ? i18n.t('view.services.foundFor', { count: cards.length, query })
    : i18n.t('view.services.found', { count: cards.length });
  return view('services.search', headline, 'ok', [{ type: 'cards', cards }]);
}

/** The fields of a draft, as a person checks them before listing. */
function draftFields(draft: Partial<ServiceDraft>, i18n: Translator): Array<{ label: string; value: string }> {
  const fields = [
    { label: i18n.t('view.services.title'), value: asText(draft.title) },
    { label: i18n.t('view.services.category'), value: asText(draft.category) || i18n.t('view.services.categoryMissing') },
    {
      label: i18n.t('view.services.price'),
      value:
        formatPrice(draft.priceMin ?? null, draft.priceMax ?? null, draft.currency ?? null) +
        (draft.priceUnit ? ` ${draft.priceUnit}` : ''),
    },
    { label: i18n.t('view.services.place'), value: [draft.place, draft.city, draft.country].filter(Boolean).join(', ') || '—' },
    { label: i18n.t('view.services.availability'), value: asText(draft.availability) || '—' },
    { label: i18n.t('view.services.contact'), value: asText(draft.contact) || '—' },
  ];
  const evidence = asRecord(draft.evidence);
  if (evidence?.price)
    fields.push({ label: i18n.t('view.services.priceFrom'), value: i18n.t('view.services.quoted', { text: asText(evidence.price) }) });
  if (evidence?.place)
    fields.push({ label: i18n.t('view.services.placeFrom'), value: i18n.t('view.services.quoted', { text: asText(evidence.place) }) });
  return fields;
}

/** The view of a service_draft result. */
export function serviceDraftView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const draft = (asRecord(asRecord(result.data)?.draft) ?? asRecord(result.data) ?? {}) as Partial<ServiceDraft>;
  return view('services.draft', i18n.t('view.services.draft', { title: asText(draft.title) }), draft.category ? 'ok' : 'warning', [
    { type: 'fields', fields: draftFields(draft, i18n) },
    draft.description ? { type: 'text', title: i18n.t('view.services.description'), text: asText(draft.description) } : null,
  ]);
}

/** The view of a service_create result: the listed service. */
export function serviceCreateView(result: ToolResult, i18n: Translator = english()): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = asRecord(result.data) ?? {};
  const service = asRecord(data.service) ?? {};
  const draft = (asRecord(data.draft) ?? {}) as Partial<ServiceDraft>;
  return view('services.create', i18n.t('view.services.listed', { title: asText(service.title) || asText(draft.title) }), 'ok', [
    {
      type: 'fields',
      fields: [
        { label: i18n.t('view.services.serviceId'), value: asText(service.id) },
        ...draftFields(
          { ...draft, title: asText(service.title) || draft.title, category: asText(service.category) || draft.category || null },
          i18n,
        ),
      ],
    },
  ]);
}

/** What approving service_create will list: the draft extracted from the text (overrides applied). */
export function serviceCreatePreview(
  input: { text: string; title?: string; category?: string; contact?: string },
  draft: ServiceDraft,
  i18n: Translator = english(),
): ResultView {
  const merged: ServiceDraft = {
    ...draft,
    title: input.title ?? draft.title,
    category: input.category ?? draft.category,
    contact: input.contact ?? draft.contact,
  };
  return view(
    'services.create.preview',
    i18n.t('view.services.willList', { title: merged.title }),
    merged.category ? 'pending' : 'warning',
    [
      { type: 'fields', fields: draftFields(merged, i18n) },
      { type: 'text', title: i18n.t('view.services.fromText'), text: input.text },
    ],
  );
}

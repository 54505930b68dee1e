/**
 * Result views of the services tools: search hits as the channel-neutral service cards
 * (service-cards.ts) inside a `cards` block, a draft as the fields that will be listed
 * (with where each came from), and service_create's approval preview: the exact draft that
 * approving will save.
 */
import type { ResultView } from '../../contracts/result-view.js';
import type { ToolResult } from '../tool-contract.js';
import { asRecord, asText, view } from '../view-format.js';
import { formatPrice, serviceCardsResultSchema } from './service-cards.js';
import type { ServiceDraft } from './draft-extractor.js';

/** The view of a service_search result: the cards. */
export function serviceSearchView(input: { q?: string; near?: string }, result: ToolResult): ResultView | undefined {
  const query = [input.q, input.near ? `near ${input.near}` : ''].filter(Boolean).join(' ');
  if (result.status === 'no_data') return view('services.search', `No active service matches${query ? ` “${query}”` : ''} here`, 'info', []);
  if (result.status !== 'success') return undefined;
  const parsed = serviceCardsResultSchema.safeParse(result.data);
  if (!parsed.success) return undefined;
  const cards = parsed.data.cards;
  return view('services.search', `${cards.length} service(s)${query ? ` for “${query}”` : ''}`, 'ok', [{ type: 'cards', cards }]);
}

/** The fields of a draft, as a person checks them before listing. */
function draftFields(draft: Partial<ServiceDraft>): Array<{ label: string; value: string }> {
  const fields = [
    { label: 'Title', value: asText(draft.title) },
    { label: 'Category', value: asText(draft.category) || '(not recognised: pass category=)' },
    { label: 'Price', value: formatPrice(draft.priceMin ?? null, draft.priceMax ?? null, draft.currency ?? null) + (draft.priceUnit ? ` ${draft.priceUnit}` : '') },
    { label: 'Place', value: [draft.place, draft.city, draft.country].filter(Boolean).join(', ') || '—' },
    { label: 'Availability', value: asText(draft.availability) || '—' },
    { label: 'Contact', value: asText(draft.contact) || '—' },
  ];
  const evidence = asRecord(draft.evidence);
  if (evidence?.price) fields.push({ label: 'Price read from', value: `“${asText(evidence.price)}”` });
  if (evidence?.place) fields.push({ label: 'Place read from', value: `“${asText(evidence.place)}”` });
  return fields;
}

/** The view of a service_draft result. */
export function serviceDraftView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const draft = (asRecord(asRecord(result.data)?.draft) ?? asRecord(result.data) ?? {}) as Partial<ServiceDraft>;
  return view('services.draft', `Draft: ${asText(draft.title)}`, draft.category ? 'ok' : 'warning', [
    { type: 'fields', fields: draftFields(draft) },
    draft.description ? { type: 'text', title: 'Description', text: asText(draft.description) } : null,
  ]);
}

/** The view of a service_create result: the listed service. */
export function serviceCreateView(result: ToolResult): ResultView | undefined {
  if (result.status !== 'success') return undefined;
  const data = asRecord(result.data) ?? {};
  const service = asRecord(data.service) ?? {};
  const draft = (asRecord(data.draft) ?? {}) as Partial<ServiceDraft>;
  return view('services.create', `Listed: ${asText(service.title) || asText(draft.title)}`, 'ok', [
    { type: 'fields', fields: [{ label: 'Service id', value: asText(service.id) }, ...draftFields({ ...draft, title: asText(service.title) || draft.title, category: asText(service.category) || draft.category || null })] },
  ]);
}

/** What approving service_create will list: the draft extracted from the text (overrides applied). */
export function serviceCreatePreview(input: { text: string; title?: string; category?: string; contact?: string }, draft: ServiceDraft): ResultView {
  const merged: ServiceDraft = { ...draft, title: input.title ?? draft.title, category: input.category ?? draft.category, contact: input.contact ?? draft.contact };
  return view('services.create.preview', `Will list “${merged.title}”`, merged.category ? 'pending' : 'warning', [
    { type: 'fields', fields: draftFields(merged) },
    { type: 'text', title: 'From the text', text: input.text },
  ]);
}

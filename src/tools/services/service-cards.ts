/**
 * Search hits as channel-neutral cards (title, subtitle, text, fields, footer) that the
 * console, Slack and Discord renderers can lay out without knowing about services.
 */
import { z } from 'zod';
import { findCategory } from './service-taxonomy.js';
import type { ServiceHit } from './service-search.js';

/** A result card, as renderers check it at their boundary (a tool result is untrusted data). */
export const serviceCardSchema = z.object({
  id: z.string(),
  title: z.string(),
  subtitle: z.string(),
  text: z.string(),
  fields: z.array(z.object({ label: z.string(), value: z.string() })),
  footer: z.string(),
});

/** A `service_search` result that carries at least one card. */
export const serviceCardsResultSchema = z.object({ cards: z.array(serviceCardSchema).min(1) });

/** A result card. */
export type ServiceCard = z.infer<typeof serviceCardSchema>;

function formatAmount(value: number): string {
  return new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 }).format(value).replace(/\u202f|\u00a0/g, ' ');
}

/** "5 000 – 8 000 XAF", "à partir de 300 EUR" or "sur devis". */
export function formatPrice(priceMin: number | null, priceMax: number | null, currency: string | null): string {
  const unit = currency ? ` ${currency}` : '';
  if (priceMin === null && priceMax === null) return 'sur devis';
  if (priceMin !== null && priceMax !== null)
    return priceMin === priceMax ? `${formatAmount(priceMin)}${unit}` : `${formatAmount(priceMin)} – ${formatAmount(priceMax)}${unit}`;
  return priceMin !== null ? `à partir de ${formatAmount(priceMin)}${unit}` : `jusqu'à ${formatAmount(priceMax!)}${unit}`;
}

/** One card per hit, in rank order. */
export function serviceCards(hits: ServiceHit[]): ServiceCard[] {
  return hits.map(({ service, distanceKm, why }) => {
    const place = [service.city, distanceKm !== null ? `${distanceKm.toFixed(1)} km` : null].filter(Boolean).join(' · ');
    const fields = [{ label: 'Prix', value: formatPrice(service.priceMin, service.priceMax, service.currency) }];
    if (service.availability) fields.push({ label: 'Disponibilité', value: service.availability });
    if (service.contact) fields.push({ label: 'Contact', value: service.contact });
    const reasons = [
      why.matchedTerms.length ? `mots : ${why.matchedTerms.join(', ')}` : null,
      why.corrections.length ? `corrigé : ${why.corrections.join(', ')}` : null,
      why.similarity !== null ? `similarité ${why.similarity.toFixed(2)}` : null,
      distanceKm !== null ? `à ${distanceKm.toFixed(1)} km` : null,
    ].filter(Boolean);
    return {
      id: service.id,
      title: service.title,
      subtitle: [findCategory(service.category)?.label ?? service.category, place].filter(Boolean).join(' · '),
      text: service.description.length > 200 ? `${service.description.slice(0, 197)}…` : service.description,
      fields,
      footer: reasons.join(' · ') || why.sources.join(', '),
    };
  });
}

/**
 * Free French text → a structured service draft ("Je répare les fuites et installe des
 * chauffe-eau à Bonamoussadi, 10 000 FCFA le déplacement"): price, currency, place with
 * coordinates, category, availability and contact, deterministically and with no model.
 * The user confirms the draft, then it is saved through the catalog.
 */
import { classifyCategory, type CategoryGuess } from './category-classifier.js';
import { findPlaces } from './gazetteer.js';
import { extractPrice } from './price-extractor.js';
import { foldText } from './text-folding.js';

/** A draft the user reviews before saving; `evidence` says where each field came from. */
export interface ServiceDraft {
  title: string;
  description: string;
  category: string | null;
  priceMin: number | null;
  priceMax: number | null;
  currency: string | null;
  priceUnit: string | null;
  city: string | null;
  place: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  availability: string | null;
  contact: string | null;
  evidence: {
    price: string | null;
    place: string | null;
    category: CategoryGuess | null;
    alternatives: string[];
    /** `text`: the first sentence; `fallback`: built from category and place (a model may improve it). */
    titleFrom: 'text' | 'fallback';
  };
}

const AVAILABILITY = [
  /24\s?h\s?\/\s?24/,
  /7\s?j\s?\/\s?7/,
  /tous les jours/,
  /du lundi au (?:vendredi|samedi|dimanche)/,
  /le week-?end/,
  /(?:le|en) soir(?:ee)?/,
  /la nuit/,
  /sur rendez-vous/,
  /jours feries/,
  /(?:des|a partir de) \d{1,2}\s?h/,
];
const PHONE = /(?:\+\d{3}[\s.]?)?\b(?:\d[\s.]?){8,11}\d\b/;
const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/;

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function draftTitle(text: string, categoryLabel: string | null, place: string | null): { title: string; from: 'text' | 'fallback' } {
  const first = (text.split(/[.!?\n]|,\s/)[0] ?? '')
    .replace(/^(?:je|nous|on)\s+(?:suis|sommes|propose|proposons|fais|faisons)\s+/i, '')
    .trim();
  if (first.length >= 8 && first.length <= 90) return { title: sentenceCase(first), from: 'text' };
  if (first.length > 90) return { title: sentenceCase(first.slice(0, 87).replace(/\s+\S*$/, '')) + '…', from: 'text' };
  return { title: [categoryLabel ?? 'Service', place ? `à ${place}` : ''].join(' ').trim(), from: 'fallback' };
}

/** Extracts a draft from one or a few sentences; pure and synchronous. */
export function extractDraft(text: string): ServiceDraft {
  const clean = text.replace(/\s+/g, ' ').trim();
  const folded = foldText(clean);
  const price = extractPrice(clean);
  const [placeMatch] = findPlaces(clean);
  const place = placeMatch?.place ?? null;
  const guesses = classifyCategory(clean);
  const best = guesses[0] ?? null;
  let currency = price.currency;
  if (currency === 'CFA') currency = place?.currency === 'XOF' ? 'XOF' : 'XAF';
  const availability = AVAILABILITY.map((pattern) => pattern.exec(folded)?.[0])
    .filter(Boolean)
    .join(', ');
  const contact = EMAIL.exec(clean)?.[0] ?? PHONE.exec(clean)?.[0]?.trim() ?? null;
  const city = place ? (place.city ?? place.name) : null;
  const title = draftTitle(clean, best?.label ?? null, place?.name ?? null);
  return {
    title: title.title,
    description: clean,
    category: best?.slug ?? null,
    priceMin: price.priceMin,
    priceMax: price.priceMax,
    currency,
    priceUnit: price.unit,
    city,
    place: place?.city ? place.name : null,
    country: place?.country ?? null,
    latitude: place?.latitude ?? null,
    longitude: place?.longitude ?? null,
    availability: availability || null,
    contact,
    evidence: {
      price: price.matchedText,
      place: placeMatch?.matchedText ?? null,
      category: best,
      alternatives: guesses.slice(1, 3).map((guess) => guess.slug),
      titleFrom: title.from,
    },
  };
}

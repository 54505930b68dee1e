/**
 * Prices in free French text: "10 000 FCFA le déplacement", "entre 5 000 et 8 000 F",
 * "25 €/h", "à partir de 15 000 francs", "2,5 millions", "gratuit". Deterministic regexes,
 * no model, so a draft is ready in well under a millisecond.
 */
import { foldText } from './text-folding.js';

/** What the text says about price; currency is null when the text names none. */
export interface PriceExtraction {
  priceMin: number | null;
  priceMax: number | null;
  currency: string | null;
  /** "le déplacement", "par heure"… when stated. */
  unit: string | null;
  matchedText: string | null;
}

const CURRENCY_PATTERNS: Array<[RegExp, string]> = [
  [/^(?:f\s?cfa|cfa|xaf)$/, 'CFA'],
  [/^xof$/, 'XOF'],
  [/^(?:f|fr|frs|francs?)$/, 'CFA'],
  [/^(?:€|eur|euros?)$/, 'EUR'],
  [/^(?:\$|usd|dollars?)$/, 'USD'],
  [/^(?:dh|mad|dirhams?)$/, 'MAD'],
  [/^(?:chf)$/, 'CHF'],
  [/^(?:cad)$/, 'CAD'],
];

const NUMBER = String.raw`\d{1,3}(?:[ .\u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?`;
const MULTIPLIER = String.raw`(?:\s?(k|mille|millions?|m(?=\s?(?:f|fcfa|cfa)\b)))?`;
const CURRENCY = String.raw`(f\s?cfa|cfa|xaf|xof|francs?|frs?|f|€|eur|euros?|\$|usd|dollars?|dh|mad|dirhams?|chf|cad)(?![a-z0-9])`;
const AMOUNT = `(${NUMBER})${MULTIPLIER}`;
const UNIT = String.raw`(?:\s?(?:\/|par|le|la|l'|de l'|du)\s?(h\b|heure|jour|journee|nuit|mois|semaine|seance|passage|deplacement|intervention|m2|metre carre|personne|kg|forfait|course|repas|piece|visite|cours))?`;

const RANGE = new RegExp(
  String.raw`(?:entre|de)\s+${AMOUNT}\s*(?:${CURRENCY})?\s*(?:et|a|-)\s*${AMOUNT}\s*${CURRENCY}${UNIT}|${AMOUNT}\s*(?:${CURRENCY})?\s*(?:-|a)\s*${AMOUNT}\s*${CURRENCY}${UNIT}`,
  'i',
);
const SINGLE = new RegExp(
  String.raw`(?:(a partir de|des|minimum|min\.?|jusqu'a|maximum|max\.?|moins de)\s+)?${AMOUNT}\s*${CURRENCY}${UNIT}`,
  'i',
);
const PREFIXED = new RegExp(String.raw`(€|\$)\s?${AMOUNT}${UNIT}`, 'i');
const LABELLED = new RegExp(String.raw`(?:prix|tarif|cout)\s*:?\s*${AMOUNT}${UNIT}`, 'i');

function toNumber(digits: string, multiplier: string | undefined): number {
  const normalised = digits.replace(/[ .\u00a0\u202f](?=\d{3}\b)/g, '').replace(',', '.');
  let value = Number(normalised);
  if (multiplier === 'k' || multiplier === 'mille') value *= 1_000;
  else if (multiplier && multiplier.startsWith('m')) value *= 1_000_000;
  return Math.round(value * 100) / 100;
}

function currencyCode(word: string | undefined): string | null {
  if (!word) return null;
  const compact = word.toLowerCase().trim();
  for (const [pattern, code] of CURRENCY_PATTERNS) if (pattern.test(compact)) return code;
  return null;
}

/**
 * Extracts a price or range. "CFA" is returned for FCFA/francs: the caller resolves it to
 * XAF or XOF from the place (Central vs West Africa), XAF by default.
 */
export function extractPrice(text: string): PriceExtraction {
  const folded = foldText(text).replace(/\s+/g, ' ');
  if (/\bgratuit/.test(folded)) return { priceMin: 0, priceMax: 0, currency: null, unit: null, matchedText: 'gratuit' };
  const range = RANGE.exec(folded);
  if (range) {
    const [low, lowMultiplier, , high, highMultiplier, currency, unit] = range[1] ? range.slice(1, 8) : range.slice(8, 15);
    const lowValue = toNumber(low ?? '0', lowMultiplier ?? highMultiplier);
    const highValue = toNumber(high ?? '0', highMultiplier);
    return {
      priceMin: Math.min(lowValue, highValue),
      priceMax: Math.max(lowValue, highValue),
      currency: currencyCode(currency),
      unit: unit ?? null,
      matchedText: range[0].trim(),
    };
  }
  const single = SINGLE.exec(folded);
  if (single) {
    const [, qualifier, digits, multiplier, currency, unit] = single;
    const value = toNumber(digits ?? '0', multiplier);
    const upperBound = qualifier !== undefined && /jusqu|max|moins/.test(qualifier);
    const lowerBound = qualifier !== undefined && /partir|des|min/.test(qualifier);
    return {
      priceMin: upperBound ? null : value,
      priceMax: lowerBound ? null : value,
      currency: currencyCode(currency),
      unit: unit ?? null,
      matchedText: single[0].trim(),
    };
  }
  const prefixed = PREFIXED.exec(folded) ?? LABELLED.exec(folded);
  if (prefixed) {
    const hasSymbol = prefixed[0].startsWith('€') || prefixed[0].startsWith('$');
    const [digits, multiplier, unit] = hasSymbol ? prefixed.slice(2, 5) : prefixed.slice(1, 4);
    const value = toNumber(digits ?? '0', multiplier);
    return {
      priceMin: value,
      priceMax: value,
      currency: hasSymbol ? currencyCode(prefixed[1]) : null,
      unit: unit ?? null,
      matchedText: prefixed[0].trim(),
    };
  }
  return { priceMin: null, priceMax: null, currency: null, unit: null, matchedText: null };
}

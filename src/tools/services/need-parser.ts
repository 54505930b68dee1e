/**
 * Reads a need in French ("plombier pas cher près de Douala ce soir"): the words that say
 * what is needed, a place named in it (a geo centre when the caller gave none), a price
 * intent ("pas cher") and the category the words point to. Pure and synchronous.
 */
import { classifyCategory } from './category-classifier.js';
import { findPlaces, type Place } from './gazetteer.js';
import { foldText, meaningfulWords } from './text-folding.js';

/** What a query asks for. */
export interface ParsedNeed {
  /** Folded need words, without stopwords, places or price phrases (at most 12). */
  words: string[];
  place: Place | null;
  placeText: string | null;
  cheap: boolean;
  categoryHint: string | null;
  /** Text embedded for vector similarity. */
  embeddingText: string;
}

const CHEAP = /\b(?:pas cher|pas chere|bon marche|moins cher|petit prix|economique|abordable|prix bas)\b/;
const MAX_WORDS = 12;

/** Parses a search query. */
export function parseNeed(query: string): ParsedNeed {
  const [placeMatch] = findPlaces(query);
  let rest = query;
  if (placeMatch) rest = rest.replace(placeMatch.matchedText, ' ');
  const folded = foldText(rest);
  const cheap = CHEAP.test(folded);
  const words = [...new Set(meaningfulWords(folded.replace(CHEAP, ' ')))].filter((word) => word.length <= 40).slice(0, MAX_WORDS);
  const [hint] = classifyCategory(words.join(' '));
  return {
    words,
    place: placeMatch?.place ?? null,
    placeText: placeMatch?.matchedText ?? null,
    cheap,
    categoryHint: hint?.slug ?? null,
    embeddingText: words.join(' '),
  };
}

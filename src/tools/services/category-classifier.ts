/**
 * Category by keyword scoring over the managed taxonomy: each keyword found in the text
 * (whole word, prefix for words of five letters or more, so "fuites" counts for "fuite")
 * scores one point, a keyword in the first sentence two; a keyword among the first three
 * words (where people name their trade: "Serrurier urgence…") one more. Deterministic and
 * explainable.
 */
import { SERVICE_CATEGORIES } from './service-taxonomy.js';
import { foldedWords } from './text-folding.js';

/** The best category with its score, confidence (share of all points) and evidence. */
export interface CategoryGuess {
  slug: string;
  label: string;
  score: number;
  confidence: number;
  matchedKeywords: string[];
}

function keywordHits(keyword: string, words: string[], joined: string): boolean {
  const parts = foldedWords(keyword);
  if (parts.length > 1) return joined.includes(` ${parts.join(' ')} `);
  const [single] = parts;
  if (!single) return false;
  return words.some((word) => word === single || (single.length >= 5 && word.startsWith(single) && word.length - single.length <= 3));
}

/** Scores every category; returns them best first (empty when nothing matched). */
export function classifyCategory(text: string): CategoryGuess[] {
  const words = foldedWords(text);
  const firstSentence = foldedWords(text.split(/[.!?\n]/)[0] ?? '');
  const joined = ` ${words.join(' ')} `;
  const joinedFirst = ` ${firstSentence.join(' ')} `;
  const opening = words.slice(0, 3);
  const joinedOpening = ` ${opening.join(' ')} `;
  const guesses: CategoryGuess[] = [];
  let total = 0;
  for (const category of SERVICE_CATEGORIES) {
    let score = 0;
    const matchedKeywords: string[] = [];
    for (const keyword of category.keywords) {
      if (!keywordHits(keyword, words, joined)) continue;
      matchedKeywords.push(keyword);
      score += keywordHits(keyword, firstSentence, joinedFirst) ? 2 : 1;
      if (keywordHits(keyword, opening, joinedOpening)) score += 1;
    }
    if (score > 0) {
      total += score;
      guesses.push({ slug: category.slug, label: category.label, score, confidence: 0, matchedKeywords });
    }
  }
  for (const guess of guesses) guess.confidence = Math.round((guess.score / total) * 100) / 100;
  return guesses.sort((left, right) => right.score - left.score || left.slug.localeCompare(right.slug));
}

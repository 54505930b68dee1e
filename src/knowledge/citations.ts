/**
 * Citations in answers: passages numbered [1], [2]… with a source list, the same text in the
 * console, Slack and Discord.
 */
import type { Passage } from './hybrid-search.js';

/** A numbered source line for a passage. */
export function sourceLine(passage: Passage, index: number): string {
  const headings = passage.headingPath[0] === passage.title ? passage.headingPath.slice(1) : passage.headingPath;
  const where = headings.length ? ` › ${headings.join(' › ')}` : '';
  const link = passage.sourceUrl ? ` (${passage.sourceUrl})` : '';
  return `[${index + 1}] ${passage.title}${where}${link} — chars ${passage.startOffset}–${passage.endOffset}`;
}

/** Formats passages as an answer body: excerpts with [n] markers, then the sources. */
export function formatCitedPassages(passages: Passage[], excerptChars = 400): string {
  if (passages.length === 0) return 'No passage in the knowledge base matches that.';
  const excerpts = passages.map((passage, index) => {
    const text = passage.content.length > excerptChars ? `${passage.content.slice(0, excerptChars).trimEnd()}…` : passage.content;
    return `${text.trim()} [${index + 1}]`;
  });
  return `${excerpts.join('\n\n')}\n\nSources:\n${passages.map(sourceLine).join('\n')}`;
}

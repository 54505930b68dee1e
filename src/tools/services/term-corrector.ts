/**
 * Typo correction of need words against the catalog's lexicon (`service_terms`, trigram
 * index): "plombeir" → "plombier". The lexicon only changes when listings are written, so
 * answers are remembered per word in process (cleared on every catalog write through this
 * process, and expired after a TTL so that writes made by other nodes are seen): a repeated
 * need costs no lexicon round trip before the search statement.
 */
import type { SqlQueries } from '../../db/sql-runner.js';

/** Trigram similarity a lexicon term needs to replace an unknown word ("plombeir" → "plomberie" is 0.46). */
export const MIN_CORRECTION_SIMILARITY = 0.45;

/** Options: how many words to remember and for how long. */
export interface TermCorrectorOptions {
  maxWords?: number;
  ttlMs?: number;
  now?: () => number;
}

/** Corrects words, remembering each word's answer (a correction, or none). */
export class TermCorrector {
  private readonly known = new Map<string, { best: string | null; storedAt: number }>();
  private readonly maxWords: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Lexicon round trips made (for tests and metrics). */
  lookups = 0;

  constructor(options: TermCorrectorOptions = {}) {
    this.maxWords = options.maxWords ?? 5_000;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Maps each unknown word (4+ letters) to its nearest lexicon term; known words map to nothing. */
  async correct(sql: SqlQueries, words: string[]): Promise<Record<string, string>> {
    const now = this.now();
    const missing = words.filter((word) => {
      if (word.length < 4) return false;
      const entry = this.known.get(word);
      return !entry || now - entry.storedAt > this.ttlMs;
    });
    if (missing.length > 0) {
      this.lookups += 1;
      const found = await lexiconLookup(sql, missing);
      if (this.known.size + missing.length > this.maxWords) this.known.clear();
      for (const word of missing) this.known.set(word, { best: found[word] ?? null, storedAt: now });
    }
    const corrections: Record<string, string> = {};
    for (const word of words) {
      const best = this.known.get(word)?.best;
      if (best) corrections[word] = best;
    }
    return corrections;
  }

  /** Forgets every answer (the catalog, hence the lexicon, changed). */
  clear(): void {
    this.known.clear();
  }
}

/** One round trip: for each word absent from the lexicon, the most similar term (≥ the threshold). */
export async function lexiconLookup(sql: SqlQueries, words: string[]): Promise<Record<string, string>> {
  if (words.length === 0) return {};
  const rows = await sql.query<{ word: string; best: string | null }>(
    `SELECT w.word, CASE WHEN EXISTS (SELECT 1 FROM service_terms t WHERE t.term = w.word) THEN NULL ELSE
       (SELECT t.term FROM service_terms t WHERE t.term % w.word AND similarity(t.term, w.word) >= $2
        ORDER BY similarity(t.term, w.word) DESC, t.term LIMIT 1) END AS best
     FROM unnest($1::text[]) AS w(word) WHERE length(w.word) >= 4`,
    [words, MIN_CORRECTION_SIMILARITY],
  );
  return Object.fromEntries(rows.filter((row) => row.best && row.best !== row.word).map((row) => [row.word, row.best!]));
}

/**
 * The built-in lexical embedder: vector search keeps working with no embedding model.
 * Texts become feature-hashed bags of words, word bigrams and character n-grams (after
 * lower-casing and accent folding), L2-normalised into a fixed 384-dimension vector (the
 * `document_chunks.embedding` column). Character n-grams make it forgiving of typos and
 * missing accents: "telechargement lent" lands next to "téléchargement lent".
 * Deterministic, synchronous, no dependency: the same text gives the same vector everywhere.
 */
import type { Embedder } from './inference-contract.js';

/** The dimension of every lexical vector; matches `vector(384)` in the schema. */
export const LEXICAL_DIMENSION = 384;

/** The model id stored with lexical vectors; bump the version when features change. */
export const LEXICAL_MODEL_ID = `lexical-v1-${LEXICAL_DIMENSION}`;

/** Relative weights of the feature families (words dominate, n-grams give fuzziness). */
const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.5;
const TRIGRAM_WEIGHT = 0.35;
const FOURGRAM_WEIGHT = 0.25;

/** Lower-cases, strips accents (NFD + combining marks) and splits into word tokens. */
export function lexicalTokens(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/ø/g, 'o');
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** FNV-1a 32-bit: fast, stable across platforms and Node versions. */
function fnv1a(value: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < value.length; index += 1) {
    hash ^= value.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // Final avalanche so nearby strings spread over all buckets.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  return hash >>> 0;
}

/** Adds one hashed feature; a second hash bit picks the sign so collisions cancel out on average. */
function addFeature(vector: Float32Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const bucket = hash % vector.length;
  const sign = (fnv1a(feature, 0x9747b28c) & 1) === 0 ? 1 : -1;
  vector[bucket] = (vector[bucket] ?? 0) + sign * weight;
}

/** Embeds one text synchronously (exported for callers that need no Promise). */
export function lexicalVector(text: string, dimension = LEXICAL_DIMENSION): Float32Array {
  const vector = new Float32Array(dimension);
  const tokens = lexicalTokens(text);
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    addFeature(vector, `w:${token}`, WORD_WEIGHT);
    const next = tokens[index + 1];
    if (next !== undefined) addFeature(vector, `b:${token} ${next}`, BIGRAM_WEIGHT);
    const padded = `<${token}>`;
    for (let start = 0; start + 3 <= padded.length; start += 1) addFeature(vector, `c3:${padded.slice(start, start + 3)}`, TRIGRAM_WEIGHT);
    for (let start = 0; start + 4 <= padded.length; start += 1) addFeature(vector, `c4:${padded.slice(start, start + 4)}`, FOURGRAM_WEIGHT);
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let index = 0; index < vector.length; index += 1) vector[index] = vector[index]! / norm;
  return vector;
}

/** Cosine similarity of two L2-normalised vectors (their dot product). */
export function cosineSimilarity(left: Float32Array, right: Float32Array): number {
  const length = Math.min(left.length, right.length);
  let sum = 0;
  for (let index = 0; index < length; index += 1) sum += left[index]! * right[index]!;
  return sum;
}

/** Builds the lexical Embedder; an empty or symbol-only text yields the zero vector. */
export function createLexicalEmbedder(): Embedder {
  return {
    modelId: LEXICAL_MODEL_ID,
    dimension: LEXICAL_DIMENSION,
    async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
      signal?.throwIfAborted();
      return texts.map((text) => lexicalVector(text));
    },
  };
}

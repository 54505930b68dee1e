/**
 * Search by need. Candidate lists, each capped at 60 rows and all under the same hard
 * filters (active, category, price ceiling, radius), are fused by weighted reciprocal rank
 * fusion (RRF, k = 60):
 *   - full text: `vigie_french` (unaccent + French stemming), prefix matching, words
 *     corrected by trigram similarity against the lexicon ("plombeir" → "plombier");
 *     weight 1.0; at most 400 matches are ranked (bounded work for common words); with a
 *     geo centre the rank decays with distance (÷ (1 + km/25));
 *   - vector: cosine similarity of the injected Embedder's vectors (same modelId only,
 *     similarity ≥ 0.25; the 100 HNSW nearest, then the hard filters), weight 0.7;
 *   - category: services of the category the need's words point to, weight 0.5;
 *   - geo: nearest services, the only list when the query has no need words;
 * then soft boosts among the fused candidates: nearest first (0.5 / (k + distance rank)) and,
 * for "pas cher", cheapest first (0.3 / (k + price rank)). Ties break on distance, then id.
 */
import type { Embedder } from '../../inference/inference-contract.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import { ValidationError } from '../../errors.js';
import { SERVICE_COLUMNS, serviceView, vectorLiteral, type ServiceRow, type ServiceView } from './service-catalog.js';
import type { ServiceSearchInput } from './service-schemas.js';
import { parseNeed, type ParsedNeed } from './need-parser.js';
import { foldedWords } from './text-folding.js';
import { classifyCategory } from './category-classifier.js';

/** One ranked result and why it matched. */
export interface ServiceHit {
  service: ServiceView;
  score: number;
  distanceKm: number | null;
  why: { matchedTerms: string[]; corrections: string[]; sources: string[]; similarity: number | null; distanceKm: number | null };
}

/** A search answer: hits plus how the query was understood. */
export interface ServiceSearchResult {
  hits: ServiceHit[];
  understood: {
    words: string[];
    corrections: Record<string, string>;
    place: string | null;
    center: { latitude: number; longitude: number } | null;
    radiusKm: number | null;
    cheap: boolean;
    categoryHint: string | null;
  };
}

const RRF_K = 60;
const LIST_SIZE = 60;
const SOFT_RADIUS_KM = 50;
const TEXT_MATCH_CAP = 400;
const VECTOR_NEIGHBOURS = 100;
const MIN_SIMILARITY = 0.25;
/** Trigram similarity a lexicon term needs to replace an unknown word ("plombeir" → "plomberie" is 0.46). */
const MIN_CORRECTION_SIMILARITY = 0.45;
const WEIGHTS = { text: 1, vector: 0.7, category: 0.5, geo: 1, nearBoost: 0.5, cheapBoost: 0.3 } as const;

/** A candidate list entry joined with its service row. */
type CandidateRow = ServiceRow & { source: keyof typeof WEIGHTS; rank: number | string; similarity: number | null; distance_km: number | null };

/** Corrects unknown words to their nearest lexicon term by trigram similarity. */
async function correctWords(sql: SqlQueries, words: string[]): Promise<Record<string, string>> {
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

function boundingBox(latitude: number, longitude: number, radiusKm: number) {
  const latitudeDelta = radiusKm / 110.574;
  const cosine = Math.cos((latitude * Math.PI) / 180);
  const longitudeDelta = cosine < 0.01 ? 360 : radiusKm / (111.32 * cosine);
  const wraps = longitude - longitudeDelta < -180 || longitude + longitudeDelta > 180;
  return {
    minLatitude: latitude - latitudeDelta,
    maxLatitude: latitude + latitudeDelta,
    minLongitude: wraps ? -180 : longitude - longitudeDelta,
    maxLongitude: wraps ? 180 : longitude + longitudeDelta,
  };
}

/** Runs a search; throws ValidationError for a radius with no centre or an empty request. */
export async function serviceSearcher(sql: SqlQueries, embedder: Embedder | null, input: ServiceSearchInput, queryVector?: Float32Array): Promise<ServiceSearchResult> {
  const need: ParsedNeed = parseNeed(input.q);
  const center =
    input.lat !== undefined && input.lon !== undefined
      ? { latitude: input.lat, longitude: input.lon }
      : need.place
        ? { latitude: need.place.latitude, longitude: need.place.longitude }
        : null;
  if (input.radius_km !== undefined && !center) {
    throw new ValidationError('radius_km needs lat and lon, or a known place in q', [{ path: 'query.radius_km', message: 'needs a centre' }]);
  }
  if (need.words.length === 0 && !center && !input.category) {
    throw new ValidationError('Say what you need in q, or give lat and lon, or a category', [{ path: 'query.q', message: 'empty need' }]);
  }
  const corrections = await correctWords(sql, need.words);
  const terms = [...new Set([...need.words, ...Object.values(corrections)])].filter((word) => /^[a-z0-9]+$/.test(word));
  const categoryHint = need.categoryHint ?? classifyCategory(Object.values(corrections).join(' '))[0]?.slug ?? null;
  const radiusKm = input.radius_km ?? null;
  const box = center ? boundingBox(center.latitude, center.longitude, radiusKm ?? SOFT_RADIUS_KM) : null;

  // Every value is a bound parameter; placeholders are created on first use so that each
  // statement only declares the parameters it references.
  const params: unknown[] = [];
  const lazy = (value: unknown, type: string) => {
    let placeholder: string | undefined;
    return () => (placeholder ??= (params.push(value), `$${params.length}::${type}`));
  };
  const latitude = lazy(center?.latitude ?? null, 'float8');
  const longitude = lazy(center?.longitude ?? null, 'float8');
  // Matches the GiST index on point(longitude, latitude).
  const boxSql = () =>
    `point(s.longitude, s.latitude) <@ box(point(${lazy(box!.minLongitude, 'float8')()}, ${lazy(box!.minLatitude, 'float8')()}), point(${lazy(box!.maxLongitude, 'float8')()}, ${lazy(box!.maxLatitude, 'float8')()}))`;
  let boxCache: string | undefined;
  const inBox = () => (boxCache ??= boxSql());
  const distance = () => `vigie_haversine_km(${latitude()}, ${longitude()}, s.latitude, s.longitude)`;
  const filterParts = ["s.status = 'active'"];
  if (input.category) filterParts.push(`s.category = ${lazy(input.category, 'text')()}`);
  if (input.price_max !== undefined) filterParts.push(`coalesce(s.price_min, s.price_max, 0) <= ${lazy(input.price_max, 'numeric')()}`);
  if (radiusKm !== null) filterParts.push(inBox(), `${distance()} <= ${lazy(radiusKm, 'float8')()}`);
  const filters = filterParts.join(' AND ');
  const decay = center ? `/ (1 + coalesce(${distance()}, 1000) / 25.0)` : '';
  const lists: string[] = [];
  if (terms.length > 0) {
    const tsquery = lazy(terms.map((term) => `${term}:*`).join(' | '), 'text')();
    // At most TEXT_MATCH_CAP matches are ranked, so a very common word costs bounded work
    // (nearby matches the cap leaves out still arrive through the category list).
    lists.push(`(SELECT s.id, 'text' AS source, row_number() OVER (ORDER BY ts_rank_cd(s.search_vector, q.query, 1) ${decay} DESC, s.id) AS rank, NULL::float8 AS similarity
      FROM (SELECT s.id, s.search_vector, s.latitude, s.longitude FROM services s, to_tsquery('vigie_french', ${tsquery}) AS q(query)
            WHERE s.search_vector @@ q.query AND ${filters} LIMIT ${TEXT_MATCH_CAP}) AS s,
           to_tsquery('vigie_french', ${tsquery}) AS q(query)
      ORDER BY rank LIMIT ${LIST_SIZE})`);
  }
  let vector = queryVector;
  if (embedder && need.embeddingText && !vector) [vector] = await embedder.embed([need.embeddingText]);
  if (embedder && vector && vector.some((value) => value !== 0)) {
    const vectorParam = lazy(vectorLiteral(vector), 'vector')();
    const modelParam = lazy(embedder.modelId, 'text')();
    // The HNSW index answers the nearest neighbours first; the hard filters apply afterwards,
    // so a narrow radius never turns this into an exact scan of every vector in the box.
    lists.push(`(SELECT s.id, 'vector' AS source, row_number() OVER (ORDER BY nearest.distance, s.id) AS rank, 1 - nearest.distance AS similarity
      FROM (SELECT id, embedding <=> ${vectorParam} AS distance FROM services
            WHERE embedding_model = ${modelParam} ORDER BY embedding <=> ${vectorParam} LIMIT ${VECTOR_NEIGHBOURS}) AS nearest
      JOIN services s ON s.id = nearest.id
      WHERE nearest.distance <= ${1 - MIN_SIMILARITY} AND ${filters}
      ORDER BY rank LIMIT ${LIST_SIZE})`);
  }
  if (categoryHint && !input.category) {
    const hint = lazy(categoryHint, 'text')();
    const order = center ? `${distance()}, s.id` : 's.created_at DESC, s.id';
    lists.push(`(SELECT s.id, 'category' AS source, row_number() OVER (ORDER BY ${order}) AS rank, NULL::float8 AS similarity
      FROM services s WHERE s.category = ${hint} AND ${filters} ${center && radiusKm === null ? `AND ${inBox()}` : ''}
      ORDER BY rank LIMIT ${LIST_SIZE})`);
  }
  if (terms.length === 0 && center) {
    lists.push(`(SELECT s.id, 'geo' AS source, row_number() OVER (ORDER BY ${distance()}, s.id) AS rank, NULL::float8 AS similarity
      FROM services s WHERE ${inBox()} AND ${filters} ORDER BY rank LIMIT ${LIST_SIZE})`);
  }
  if (terms.length === 0 && !center && input.category) {
    lists.push(`(SELECT s.id, 'category' AS source, row_number() OVER (ORDER BY s.created_at DESC, s.id) AS rank, NULL::float8 AS similarity
      FROM services s WHERE ${filters} ORDER BY rank LIMIT ${LIST_SIZE})`);
  }
  const understood = { words: need.words, corrections, place: need.place?.name ?? null, center, radiusKm, cheap: need.cheap, categoryHint };
  if (lists.length === 0) return { hits: [], understood };
  // One round trip: the candidate lists and the rows they point to.
  const columns = SERVICE_COLUMNS.split(', ').map((column) => `s.${column}`).join(', ');
  const distanceColumn = center ? distance() : 'NULL::float8';
  const rows = await sql.query<CandidateRow>(
    `WITH candidates AS (${lists.join(' UNION ALL ')})
     SELECT c.source, c.rank, c.similarity, ${columns}, ${distanceColumn} AS distance_km FROM candidates c JOIN services s ON s.id = c.id`,
    params,
  );
  return { hits: fuse(rows, need, corrections, input.limit), understood };
}

function fuse(candidates: CandidateRow[], need: ParsedNeed, corrections: Record<string, string>, limit: number): ServiceHit[] {
  const scores = new Map<string, { score: number; sources: Set<string>; similarity: number | null }>();
  const byId = new Map<string, CandidateRow>();
  for (const candidate of candidates) {
    const entry = scores.get(candidate.id) ?? { score: 0, sources: new Set<string>(), similarity: null };
    entry.score += WEIGHTS[candidate.source] / (RRF_K + Number(candidate.rank));
    entry.sources.add(candidate.source);
    if (candidate.similarity !== null) entry.similarity = Math.round(Number(candidate.similarity) * 1000) / 1000;
    scores.set(candidate.id, entry);
    byId.set(candidate.id, candidate);
  }
  const rows = [...byId.values()];
  const byDistance = [...rows].filter((row) => row.distance_km !== null).sort((left, right) => left.distance_km! - right.distance_km!);
  byDistance.forEach((row, index) => (scores.get(row.id)!.score += WEIGHTS.nearBoost / (RRF_K + index + 1)));
  if (need.cheap) {
    const byPrice = [...rows].filter((row) => row.price_min !== null).sort((left, right) => Number(left.price_min) - Number(right.price_min));
    byPrice.forEach((row, index) => (scores.get(row.id)!.score += WEIGHTS.cheapBoost / (RRF_K + index + 1)));
  }
  const correctionList = Object.entries(corrections).map(([from, to]) => `${from} → ${to}`);
  const searchTerms = [...new Set([...need.words, ...Object.values(corrections)])];
  return rows
    .map((row) => {
      const entry = scores.get(row.id)!;
      const words = new Set(foldedWords(`${row.title} ${row.keywords} ${row.description} ${row.city ?? ''}`));
      const matchedTerms = searchTerms.filter((term) => [...words].some((word) => word.startsWith(term)));
      const distanceKm = row.distance_km === null ? null : Math.round(Number(row.distance_km) * 100) / 100;
      return {
        service: serviceView(row),
        score: Math.round(entry.score * 1e6) / 1e6,
        distanceKm,
        why: { matchedTerms, corrections: correctionList.filter((text) => matchedTerms.some((term) => text.endsWith(term))), sources: [...entry.sources].sort(), similarity: entry.similarity, distanceKm },
      };
    })
    .sort((left, right) => right.score - left.score || (left.distanceKm ?? Infinity) - (right.distanceKm ?? Infinity) || left.service.id.localeCompare(right.service.id))
    .slice(0, limit);
}

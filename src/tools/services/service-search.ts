/**
 * Search by need, in one SQL statement. Candidate lists, each capped at 60 rows and all
 * under the same hard filters (active, category, price ceiling, radius), are fused by
 * weighted reciprocal rank fusion (RRF, k = 60):
 *   - full text: `vigie_french` (unaccent + French stemming), prefix matching, words
 *     corrected by trigram similarity against the lexicon ("plombeir" → "plombier");
 *     weight 1.0. A bounded number of matches is ranked (bounded work for common words),
 *     read in stages while fewer than 60 are found: every word, any word, any word as a
 *     prefix; with a centre the 60 nearest matches inside the radius or within 50 km
 *     (then, with no radius, farther ones), else the first 100 of each stage. With a centre
 *     the rank decays with distance (÷ (1 + km/25));
 *   - vector: cosine similarity of the injected Embedder's vectors (same modelId only,
 *     similarity ≥ 0.25; the 100 HNSW nearest, then the hard filters), weight 0.7;
 *   - category: services of the category the need's words point to, weight 0.5, the 60
 *     nearest within 50 km of a centre (or inside the radius), else the 60 newest;
 *   - geo: the 60 nearest services, the only list when the query has no need words;
 * then soft boosts among the fused candidates: nearest first (0.5 / (k + distance rank)) and,
 * for "pas cher", cheapest first (0.3 / (k + price rank)). Ties break on distance, then id.
 *
 * Every list reads a bounded number of index entries and stops at its LIMIT: nearest-first
 * lists walk the partial GiST index of active listings in distance order (KNN on planar
 * degrees, then numbered by the exact haversine, which PostgreSQL inlines), answering the
 * box and the tsquery in one descent from the index alone; other text stages use the GIN
 * index; newest-first lists the category btree; the vector list the HNSW graph. Fusion
 * happens in the statement too, so only the returned hits' rows are read and sent. Typo
 * corrections are remembered by a TermCorrector and the statement can stay prepared, so a
 * repeated need is one round trip with no planning.
 */
import type { Embedder } from '../../inference/inference-contract.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import { ValidationError } from '../../errors.js';
import { SERVICE_COLUMNS, serviceView, vectorLiteral, type ServiceRow, type ServiceView } from './service-catalog.js';
import type { ServiceSearchInput } from './service-schemas.js';
import { parseNeed, type ParsedNeed } from './need-parser.js';
import { foldedWords } from './text-folding.js';
import { classifyCategory } from './category-classifier.js';
import { TermCorrector } from './term-corrector.js';

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
const TEXT_MATCH_CAP = 100;
const NEAR_TEXT_CAP = 60;
const VECTOR_NEIGHBOURS = 100;
const MIN_SIMILARITY = 0.25;
const WEIGHTS = { text: 1, vector: 0.7, category: 0.5, geo: 1, nearBoost: 0.5, cheapBoost: 0.3 } as const;

/** Corrections without a shared corrector (scripts, tests): a fresh one per call. */
const uncached = () => new TermCorrector({ maxWords: 0 });

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

/**
 * Runs a search; throws ValidationError for a radius with no centre or an empty request.
 * `corrector` remembers typo corrections between calls (the engine passes its own).
 */
export async function serviceSearcher(
  sql: SqlQueries,
  embedder: Embedder | null,
  input: ServiceSearchInput,
  queryVector?: Float32Array,
  corrector: TermCorrector = uncached(),
): Promise<ServiceSearchResult> {
  const need: ParsedNeed = parseNeed(input.q);
  const center =
    input.lat !== undefined && input.lon !== undefined
      ? { latitude: input.lat, longitude: input.lon }
      : need.place
        ? { latitude: need.place.latitude, longitude: need.place.longitude }
        : null;
  if (input.radius_km !== undefined && !center) {
    throw new ValidationError('radius_km needs lat and lon, or a known place in q', [
      { path: 'query.radius_km', message: 'needs a centre' },
    ]);
  }
  if (need.words.length === 0 && !center && !input.category) {
    throw new ValidationError('Say what you need in q, or give lat and lon, or a category', [{ path: 'query.q', message: 'empty need' }]);
  }
  const corrections = await corrector.correct(sql, need.words);
  const terms = [...new Set([...need.words, ...Object.values(corrections)])].filter((word) => /^[a-z0-9]+$/.test(word));
  const categoryHint = need.categoryHint ?? classifyCategory(Object.values(corrections).join(' '))[0]?.slug ?? null;
  const radiusKm = input.radius_km ?? null;
  const box = center ? boundingBox(center.latitude, center.longitude, radiusKm ?? SOFT_RADIUS_KM) : null;

  // Every value is a bound parameter; placeholders are created on first use so that the
  // statement only declares the parameters it references.
  const params: unknown[] = [];
  const lazy = (value: unknown, type: string) => {
    let placeholder: string | undefined;
    return () => (placeholder ??= (params.push(value), `$${params.length}::${type}`));
  };
  const latitude = lazy(center?.latitude ?? null, 'float8');
  const longitude = lazy(center?.longitude ?? null, 'float8');
  // The radius box, or the 50 km "near" box without a radius: the partial GiST index's condition.
  const boxSql = () =>
    `point(s.longitude, s.latitude) <@ box(point(${lazy(box!.minLongitude, 'float8')()}, ${lazy(box!.minLatitude, 'float8')()}), point(${lazy(box!.maxLongitude, 'float8')()}, ${lazy(box!.maxLatitude, 'float8')()}))`;
  let boxCache: string | undefined;
  const inBox = () => (boxCache ??= boxSql());
  // Inlined by PostgreSQL (see migration 20261122080000): plain arithmetic per row.
  const distance = () => `vigie_haversine_km(${latitude()}, ${longitude()}, s.latitude, s.longitude)`;
  const filterParts = ["s.status = 'active'"];
  if (input.category) filterParts.push(`s.category = ${lazy(input.category, 'text')()}`);
  if (input.price_max !== undefined) filterParts.push(`coalesce(s.price_min, s.price_max, 0) <= ${lazy(input.price_max, 'numeric')()}`);
  if (radiusKm !== null) filterParts.push(inBox(), `${distance()} <= ${lazy(radiusKm, 'float8')()}`);
  const filters = filterParts.join(' AND ');
  // Near a centre (no radius): the lists read the 50 km box only.
  const near = center !== null && radiusKm === null;
  // Nearest first through the GiST index (planar distance in degrees, which stops the scan
  // after LIMIT rows); lists are then numbered by the exact haversine distance.
  const nearestFirst = () => `point(s.longitude, s.latitude) <-> point(${longitude()}, ${latitude()})`;
  const lists: string[] = [];
  const ctes: string[] = [];
  if (terms.length > 0) {
    // Every need word (or its correction), then any word, as exact stems; then any word as a prefix.
    const groups = need.words
      .map((word) => [word, corrections[word]].filter((term): term is string => !!term && /^[a-z0-9]+$/.test(term)))
      .filter((group) => group.length > 0);
    const every = groups.map((group) => (group.length > 1 ? `(${group.join(' | ')})` : group[0])).join(' & ');
    ctes.push(`q AS (SELECT to_tsquery('vigie_french', ${lazy(every, 'text')()}) AS every, to_tsquery('vigie_french', ${lazy(terms.join(' | '), 'text')()}) AS anyword,
      to_tsquery('vigie_french', ${lazy(terms.map((term) => `${term}:*`).join(' | '), 'text')()}) AS query)`);
    // A bounded number of matches is ranked, so a very common word costs bounded work. They
    // are read in stages, each only while fewer than a list's worth were found: matches of
    // every word, of any word, of any word as a prefix (the exact stems are what the GIN and
    // GiST indexes answer cheapest); with a centre, nearest first inside the radius or
    // within 50 km (then, with no radius, farther ones). The tsqueries are init-plan
    // parameters, computed once. Stages with no place to start from use `@@@` (the same
    // match as `@@`, which only the GIN index offers): the GiST index cannot prune a prefix
    // query, and scanning all of it would cost far more than the GIN posting lists.
    const stages: string[] = [];
    const stage = (tsquery: 'every' | 'anyword' | 'query', conditions: string[], order: string | null, limit: number) => {
      const earlier = stages.map((_, index) => `(SELECT count(*) FROM text_${index + 1})`);
      const where = [
        `s.search_vector ${order ? '@@' : '@@@'} (SELECT ${tsquery} FROM q)`,
        filters,
        ...conditions,
        ...(earlier.length ? [`${earlier.join(' + ')} < ${LIST_SIZE}`] : []),
      ];
      stages.push(`text_${stages.length + 1} AS MATERIALIZED (SELECT s.id, s.search_vector, s.latitude, s.longitude, s.price_min FROM services s
        WHERE ${where.join(' AND ')}${order ? ` ORDER BY ${order}` : ''} LIMIT ${limit})`);
    };
    const scope = near ? [inBox()] : [];
    const order = center ? nearestFirst() : null;
    const cap = center ? NEAR_TEXT_CAP : TEXT_MATCH_CAP;
    stage('every', scope, order, cap);
    stage('anyword', [...scope, 'NOT s.search_vector @@ (SELECT every FROM q)'], order, cap);
    stage('query', [...scope, 'NOT s.search_vector @@ (SELECT anyword FROM q)'], order, cap);
    if (near) stage('query', [`NOT coalesce(${inBox()}, false)`], null, LIST_SIZE);
    ctes.push(...stages);
    const matches = stages.map((_, index) => `SELECT * FROM text_${index + 1}`).join(' UNION ALL ');
    const decay = center ? `/ (1 + coalesce(${distance()}, 1000) / 25.0)` : '';
    lists.push(`(SELECT s.id, 'text' AS source, row_number() OVER (ORDER BY ts_rank_cd(s.search_vector, q.query, 1) ${decay} DESC, s.id) AS rank, NULL::float8 AS similarity,
        s.latitude, s.longitude, s.price_min FROM (${matches}) AS s, q ORDER BY rank LIMIT ${LIST_SIZE})`);
  }
  let vector = queryVector;
  if (embedder && need.embeddingText && !vector) [vector] = await embedder.embed([need.embeddingText]);
  if (embedder && vector && vector.some((value) => value !== 0)) {
    const vectorParam = lazy(vectorLiteral(vector), 'vector')();
    const modelParam = lazy(embedder.modelId, 'text')();
    // The HNSW index answers the nearest neighbours first (with the columns the filters
    // read); the hard filters apply afterwards, so a narrow radius never turns this into an
    // exact scan of every vector in the box.
    lists.push(`(SELECT s.id, 'vector' AS source, row_number() OVER (ORDER BY s.distance, s.id) AS rank, 1 - s.distance AS similarity,
        s.latitude, s.longitude, s.price_min FROM (SELECT id, status, category, price_min, price_max, latitude, longitude, embedding <=> ${vectorParam} AS distance FROM services
            WHERE embedding_model = ${modelParam} ORDER BY embedding <=> ${vectorParam} LIMIT ${VECTOR_NEIGHBOURS}) AS s
      WHERE s.distance <= ${1 - MIN_SIMILARITY} AND ${filters}
      ORDER BY rank LIMIT ${LIST_SIZE})`);
  }
  // A bounded list read in an index's order (nearest first from the GiST index, or newest
  // first from the (category, created_at DESC, id DESC) btree), then numbered.
  const ordered = (source: string, where: string, order: 'nearest' | 'newest') => {
    const [position, direction, scan] =
      order === 'nearest' ? [distance(), '', nearestFirst()] : ['s.created_at', ' DESC', 's.created_at DESC, s.id DESC'];
    return `(SELECT listed.id, '${source}' AS source, row_number() OVER (ORDER BY listed.position${direction}, listed.id${direction}) AS rank, NULL::float8 AS similarity,
        listed.latitude, listed.longitude, listed.price_min
      FROM (SELECT s.id, ${position} AS position, s.latitude, s.longitude, s.price_min FROM services s WHERE ${where} ORDER BY ${scan} LIMIT ${LIST_SIZE}) AS listed)`;
  };
  if (categoryHint && !input.category) {
    const hint = `s.category = ${lazy(categoryHint, 'text')()}`;
    lists.push(ordered('category', `${hint} AND ${filters}${near ? ` AND ${inBox()}` : ''}`, center ? 'nearest' : 'newest'));
  }
  if (terms.length === 0 && center) lists.push(ordered('geo', `${filters}${near ? ` AND ${inBox()}` : ''}`, 'nearest'));
  if (terms.length === 0 && !center && input.category) lists.push(ordered('category', filters, 'newest'));
  const understood = { words: need.words, corrections, place: need.place?.name ?? null, center, radiusKm, cheap: need.cheap, categoryHint };
  if (lists.length === 0) return { hits: [], understood };
  // One round trip: the candidate lists, their fusion, and the rows of the returned hits only.
  const weight = `(CASE c.source ${(['text', 'vector', 'category', 'geo'] as const).map((source) => `WHEN '${source}' THEN ${WEIGHTS[source]}`).join(' ')} END)::float8`;
  const boost = (column: string, size: number) =>
    `CASE WHEN s.${column} IS NULL THEN 0 ELSE ${size} / (${RRF_K} + row_number() OVER (PARTITION BY s.${column} IS NULL ORDER BY s.${column}, s.id)) END`;
  const hitOrder = `round(t.score::numeric, 6) DESC, round(t.distance_km::numeric, 2) NULLS LAST, t.id`;
  // Its text depends only on which lists and filters apply (values are parameters), so the
  // backend can keep it prepared and skip planning on repeats.
  const run = sql.queryPrepared?.bind(sql) ?? sql.query.bind(sql);
  const rows = await run<HitRow>(
    `WITH ${[...ctes, `candidates AS (${lists.join(' UNION ALL ')})`].join(',\n')},
     fused AS (SELECT c.id, sum(${weight} / (${RRF_K} + c.rank)) AS rrf, array_agg(DISTINCT c.source) AS sources, max(c.similarity) AS similarity,
       min(c.latitude) AS latitude, min(c.longitude) AS longitude, min(c.price_min) AS price_min FROM candidates c GROUP BY c.id),
     located AS (SELECT s.*, ${center ? distance() : 'NULL::float8'} AS distance_km FROM fused s),
     scored AS (SELECT s.id, s.sources, s.similarity, s.distance_km,
       s.rrf + ${boost('distance_km', WEIGHTS.nearBoost)}${need.cheap ? ` + ${boost('price_min', WEIGHTS.cheapBoost)}` : ''} AS score FROM located s),
     top AS (SELECT * FROM scored t ORDER BY ${hitOrder} LIMIT ${lazy(input.limit, 'int')()})
     SELECT t.score, t.sources, t.similarity, t.distance_km, ${SERVICE_COLUMNS.split(', ')
       .map((column) => `s.${column}`)
       .join(', ')}
     FROM top t JOIN services s ON s.id = t.id ORDER BY ${hitOrder}`,
    params,
  );
  return { hits: rows.map((row) => explainHit(row, need, corrections)), understood };
}

/** A fused hit as the statement returns it. */
type HitRow = ServiceRow & { score: number; sources: string[]; similarity: number | null; distance_km: number | null };

/** Turns a fused row into a hit that says which words (and corrections) it matched. */
function explainHit(row: HitRow, need: ParsedNeed, corrections: Record<string, string>): ServiceHit {
  const searchTerms = [...new Set([...need.words, ...Object.values(corrections)])];
  const words = foldedWords(`${row.title} ${row.keywords} ${row.description} ${row.city ?? ''}`);
  const matchedTerms = searchTerms.filter((term) => words.some((word) => word.startsWith(term)));
  const correctionList = Object.entries(corrections).map(([from, to]) => `${from} → ${to}`);
  const distanceKm = row.distance_km === null ? null : Math.round(Number(row.distance_km) * 100) / 100;
  return {
    service: serviceView(row),
    score: Math.round(Number(row.score) * 1e6) / 1e6,
    distanceKm,
    why: {
      matchedTerms,
      corrections: correctionList.filter((text) => matchedTerms.some((term) => text.endsWith(term))),
      sources: [...row.sources].sort(),
      similarity: row.similarity === null ? null : Math.round(Number(row.similarity) * 1000) / 1000,
      distanceKm,
    },
  };
}

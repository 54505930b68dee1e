/**
 * `npm run bench:services`: search by need at 100k services on PostgreSQL (its own database,
 * from the openBenchDatabase fixture), mixed needs with and without geo, against a naive
 * `ILIKE '%term%'` baseline over the same table in the same run; plus draft extraction.
 * Prints one JSON line. Environment: DATABASE_URL (admin URL), BENCH_SERVICES (row count),
 * BENCH_SEARCHES (timed searches), BENCH_KEEP=1 (keep the seeded database and reuse it on
 * the next run, for profiling).
 */
import type { Database } from '../src/db/database.js';
import { createLexicalEmbedder } from '../src/inference/lexical-embedder.js';
import { extractDraft } from '../src/tools/services/draft-extractor.js';
import { SemanticCache } from '../src/tools/services/semantic-cache.js';
import { ServiceEngine } from '../src/tools/services/service-engine.js';
import { serviceSearchSchema } from '../src/tools/services/service-schemas.js';
import { generateServices, serviceBulkInserter } from '../src/tools/services/service-seeder.js';
import { lexiconLookup } from '../src/tools/services/term-corrector.js';
import { parseNeed } from '../src/tools/services/need-parser.js';
import { openBenchDatabase } from './support/bench-database.js';

const NAME = 'vigie_bench_services';
const COUNT = Number(process.env.BENCH_SERVICES ?? 100_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 300);
const KEEP = process.env.BENCH_KEEP === '1';

const QUERIES: Array<Record<string, unknown>> = [
  { q: 'plombier pas cher près de Douala' },
  { q: 'plombeir' },
  { q: 'electricien', lat: 5.36, lon: -4.0083, radius_km: 10 },
  { q: 'plomberie urgente' },
  { q: 'coiffeuse tresses à Cocody' },
  { q: 'cours de maths pour le bac', lat: 3.848, lon: 11.5021, radius_km: 15 },
  { q: 'réparation climatiseur Dakar' },
  { q: 'déménagement', lat: 48.8566, lon: 2.3522, radius_km: 20 },
  { q: 'menusier meubles sur mesure' },
  { q: 'femme de ménage Abidjan', price_max: 5000 },
  { q: '', lat: 4.0511, lon: 9.7679, radius_km: 5 },
  { q: 'mécanicien vidange', lat: 12.6392, lon: -8.0029, radius_km: 25 },
  { q: 'traiteur mariage' },
  { q: 'serrurier urgence Lyon' },
  { q: 'installation wifi', category: 'informatique' },
  { q: 'nounou le soir près de Paris' },
];

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]! * 100) / 100;
}

/** Whether a kept database (BENCH_KEEP=1) already holds the COUNT services this run asks for. */
async function seededWithCount(database: Database): Promise<boolean> {
  const [row] = await database.sql.query<{ count: string }>('SELECT count(*) AS count FROM services');
  return Number(row?.count ?? 0) === COUNT;
}

const started = Date.now();
// The shared bench fixture: a fresh database per run, or with BENCH_KEEP=1 one named NAME, kept and reused while its count matches.
const bench = await openBenchDatabase(NAME, { poolSize: 2, ...(KEEP ? { keep: { reusable: seededWithCount } } : {}) });
const { database } = bench;
const reuse = bench.reused;
try {
  const embedder = createLexicalEmbedder();
  let seedSeconds = 0;
  let indexSeconds = 0;
  if (!reuse) {
    // Bulk load without the HNSW index, then build it once (much faster than incremental).
    await database.sql.exec('DROP INDEX services_embedding_hnsw_idx; DROP INDEX services_search_vector_idx;');
    const seedStarted = Date.now();
    await serviceBulkInserter(database.sql, embedder, generateServices(COUNT), { batchSize: 1000 });
    seedSeconds = (Date.now() - seedStarted) / 1000;
    const indexStarted = Date.now();
    await database.sql.transaction(async (tx) => {
      await tx.exec("SET LOCAL maintenance_work_mem = '512MB'; SET LOCAL max_parallel_maintenance_workers = 2;");
      await tx.exec('CREATE INDEX services_search_vector_idx ON services USING GIN (search_vector)');
      await tx.exec('CREATE INDEX services_embedding_hnsw_idx ON services USING hnsw (embedding vector_cosine_ops)');
    });
    // What autovacuum would do after a bulk load: the planner needs the visibility map and statistics.
    await database.sql.exec('VACUUM ANALYZE services');
    await database.sql.exec('VACUUM ANALYZE service_terms');
    indexSeconds = (Date.now() - indexStarted) / 1000;
  }

  const engine = new ServiceEngine({ sql: database.sql, embedder, cache: new SemanticCache({ maxEntries: 0 }) });
  const parsed = QUERIES.map((query) => serviceSearchSchema.parse({ ...query, limit: 10 }));
  for (const query of parsed) await engine.search(query); // warm-up
  const search: number[] = [];
  const geo: number[] = [];
  const plain: number[] = [];
  let hits = 0;
  for (let index = 0; index < SEARCHES; index += 1) {
    const query = parsed[index % parsed.length]!;
    const begin = performance.now();
    const result = await engine.search(query);
    const took = performance.now() - begin;
    hits += result.hits.length;
    search.push(took);
    (query.lat !== undefined || /douala|cocody|dakar|abidjan|lyon|paris/i.test(query.q) ? geo : plain).push(took);
  }
  const cachedEngine = new ServiceEngine({ sql: database.sql, embedder });
  const cached: number[] = [];
  for (let index = 0; index < SEARCHES; index += 1) {
    const begin = performance.now();
    await cachedEngine.search(parsed[index % parsed.length]!);
    if (index >= parsed.length) cached.push(performance.now() - begin);
  }
  // Typo corrections are remembered per word by the engine (cleared on catalog writes); a
  // need with words not seen yet pays one lexicon round trip more, measured here.
  const needWords = parsed.map((query) => parseNeed(query.q).words).filter((words) => words.length > 0);
  const lexicon: number[] = [];
  for (let index = 0; index < SEARCHES; index += 1) {
    const begin = performance.now();
    await lexiconLookup(database.sql, needWords[index % needWords.length]!);
    lexicon.push(performance.now() - begin);
  }
  const terms = QUERIES.map((query) => String(query.q).split(' ')[0]).filter((term) => term && term.length > 2);
  const ilike: number[] = [];
  for (let index = 0; index < SEARCHES; index += 1) {
    const term = terms[index % terms.length]!;
    const begin = performance.now();
    await database.sql.query(
      `SELECT id, title FROM services WHERE status = 'active' AND (title ILIKE $1 OR description ILIKE $1) LIMIT 10`,
      [`%${term}%`],
    );
    ilike.push(performance.now() - begin);
  }
  const phrasings = [
    'Je répare les fuites et installe des chauffe-eau à Bonamoussadi, 10 000 FCFA le déplacement',
    'Cours de maths niveau bac à Dakar, 5000 F la séance',
    'Électricien à Paris, 45€/h, 7j/7, tel 06 12 34 56 78',
    'Coiffure tresses entre 3 000 et 8 000 FCFA à Cocody',
    'Déménagement Lyon, à partir de 300 euros',
  ];
  const drafts: number[] = [];
  for (let index = 0; index < 2000; index += 1) {
    const begin = performance.now();
    extractDraft(phrasings[index % phrasings.length]!);
    drafts.push(performance.now() - begin);
  }
  const figures = {
    suite: 'services',
    backend: 'postgres',
    services: COUNT,
    searches: SEARCHES,
    seedSeconds,
    hnswBuildSeconds: indexSeconds,
    searchP50Ms: percentile(search, 0.5),
    searchP95Ms: percentile(search, 0.95),
    searchGeoP95Ms: percentile(geo, 0.95),
    searchNoGeoP95Ms: percentile(plain, 0.95),
    lexiconLookupP50Ms: percentile(lexicon, 0.5),
    lexiconLookupP95Ms: percentile(lexicon, 0.95),
    cachedSearchP50Ms: percentile(cached, 0.5),
    cachedSearchP95Ms: percentile(cached, 0.95),
    ilikeBaselineP50Ms: percentile(ilike, 0.5),
    ilikeBaselineP95Ms: percentile(ilike, 0.95),
    searchVsIlikeP50Ratio: Math.round((percentile(search, 0.5) / percentile(ilike, 0.5)) * 100) / 100,
    averageHits: Math.round((hits / SEARCHES) * 10) / 10,
    draftP50Ms: percentile(drafts, 0.5),
    draftP95Ms: percentile(drafts, 0.95),
    totalSeconds: Math.round((Date.now() - started) / 100) / 10,
    note: 'shared 2-core machine, noisy; search = full hybrid pipeline (FTS, vector, category, geo, fusion: one prepared statement) with the semantic cache off; typo corrections remembered per word (a new word adds lexiconLookup)',
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
} finally {
  await bench.close();
}

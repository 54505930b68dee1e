/**
 * `npm run bench:kb`: the knowledge base at scale on PostgreSQL. Ingest throughput through
 * the real ingest path (chunk → embed → one transaction per document with the HNSW index
 * live), then, at BENCH_CHUNKS passages (100k), hybrid query latency, the vector leg alone,
 * and HNSW recall@10 and speed-up against the exact sequential-scan k-NN measured in the
 * same run. Prints ONE JSON line. Uses its own database, dropped at the end.
 */
import { openBenchDatabase } from './support/bench-database.js';
import { createLexicalEmbedder } from '../src/inference/lexical-embedder.js';
import { toPgVector } from '../src/inference/embedding-service.js';
import { KnowledgeBase } from '../src/knowledge/knowledge-base.js';
import { embedChunks, replaceChunks } from '../src/knowledge/knowledge-indexer.js';
import { chunkText } from '../src/knowledge/structure-chunker.js';

const TARGET_CHUNKS = Number(process.env.BENCH_KB_PASSAGES ?? process.env.BENCH_CHUNKS ?? 100_000);
/** A database kept between runs (created when missing, filled up to the target, never dropped): the 1M run is built once. */
const KEEP_DATABASE = process.env.BENCH_KB_DATABASE;
const INGEST_DOCUMENTS = Number(process.env.BENCH_INGEST_DOCUMENTS ?? 300);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const NAME = 'vigie_bench_kb';

const TOPICS = [
  'router bgp peer prefix session vrrp failover uplink',
  'disk filesystem inode logrotate volume quota full',
  'dns resolver forwarder zone record servfail cache',
  'certificate tls acme chain expiry renewal openssl',
  'vpn ipsec ike tunnel proposal gateway key',
  'kubernetes pod container memory crashloop rollout deployment',
  'postgres replication standby lag wal checkpoint vacuum',
  'wifi radius dhcp vlan access point authentication',
  'qos shaping htb class guarantee video voice dscp',
  'électrique groupe électrogène onduleur gazole coupure site',
  'fibre optique lumière transceiver opérateur secours lien',
  'firewall nftables port rule nat conntrack drop',
];
const FILLER = 'check the logs then verify the service status and confirm with the team before closing the incident'.split(' ');

let seed = 42;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}
function pick<T>(items: T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
function sentence(topic: string[]): string {
  return Array.from({ length: 12 }, () => (random() < 0.5 ? pick(topic) : pick(FILLER))).join(' ') + '.';
}
function documentText(index: number): { title: string; text: string } {
  const topic = TOPICS[index % TOPICS.length]!.split(' ');
  const sections = Array.from(
    { length: 5 },
    (_, section) => `## ${pick(topic)} step ${section}\n\n${Array.from({ length: 8 }, () => sentence(topic)).join(' ')}\n`,
  );
  return { title: `Runbook ${index} ${topic[0]}`, text: `# Runbook ${index}\n\n${sections.join('\n')}` };
}
function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]! * 100) / 100;
}

if (KEEP_DATABASE !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(KEEP_DATABASE))
  throw new Error(`BENCH_KB_DATABASE must be a plain lower-case name, got ${JSON.stringify(KEEP_DATABASE)}`);
// A kept database is reused as it is: the fill below tops it up to the target.
const bench = await openBenchDatabase(KEEP_DATABASE ?? NAME, {
  poolSize: 4,
  ...(KEEP_DATABASE ? { keep: { reusable: async () => true } } : {}),
});
const { database } = bench;
try {
  const embedder = createLexicalEmbedder();
  const knowledge = new KnowledgeBase(database, embedder);

  const [existing] = await database.sql.query<{ chunks: number; documents: number }>(
    'SELECT (SELECT count(*)::int FROM document_chunks) AS chunks, (SELECT count(*)::int FROM documents) AS documents',
  );
  const reused = existing!.chunks >= TARGET_CHUNKS;
  // 1. Ingest through the real path, index live (skipped on a kept database that already has its passages).
  let ingested = 0;
  const ingestStart = performance.now();
  for (let index = existing!.documents; !reused && index < INGEST_DOCUMENTS; index += 1) {
    const { title, text } = documentText(index);
    ingested += (
      await knowledge.ingestBytes({ bytes: Buffer.from(text), contentType: 'text/markdown', title, sourceUrl: `bench://${index}` })
    ).chunks;
  }
  const ingestSeconds = (performance.now() - ingestStart) / 1000;

  // 2. Fill up to the target with the same chunking and embedding, many documents per
  // transaction, with the HNSW index dropped and rebuilt afterwards (how a bulk load is done).
  if (!reused) await database.sql.exec('DROP INDEX IF EXISTS document_chunks_embedding_hnsw_idx');
  const fillStart = performance.now();
  let total = existing!.chunks + ingested;
  for (let index = Math.max(INGEST_DOCUMENTS, existing!.documents); total < TARGET_CHUNKS;) {
    const batch = Array.from({ length: 100 }, () => ({ id: crypto.randomUUID(), ...documentText(index++) }));
    const prepared: Array<{ id: string; title: string; text: string; chunks: ReturnType<typeof chunkText>; vectors: string[] }> = [];
    for (const document of batch) {
      const chunks = chunkText(document.text);
      prepared.push({ ...document, chunks, vectors: await embedChunks(embedder, document.title, chunks) });
      total += chunks.length;
    }
    await database.sql.transaction(async (tx) => {
      for (const document of prepared) {
        await tx.query(
          `INSERT INTO documents (id, title, content, content_hash, updated_at) VALUES ($1, $2, $3, md5($3) || md5($3), now())`,
          [document.id, document.title, document.text],
        );
        await replaceChunks(tx, document.id, document.title, document.chunks, document.vectors, embedder);
      }
    });
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const indexStart = performance.now();
  if (!reused) {
    await database.sql.exec(`SET maintenance_work_mem = '512MB'`);
    await database.sql.exec('CREATE INDEX document_chunks_embedding_hnsw_idx ON document_chunks USING hnsw (embedding vector_cosine_ops)');
    // What autovacuum does after a bulk load: merges GIN's pending list (a search scans it linearly) and updates statistics.
    await database.sql.exec('VACUUM ANALYZE document_chunks');
    await database.sql.exec('VACUUM ANALYZE documents');
  }
  const indexSeconds = (performance.now() - indexStart) / 1000;
  // 3. Queries: hybrid, vector leg alone, and exact k-NN for recall (their own seed: the same queries on a kept database).
  seed = 7;
  const queries = Array.from({ length: QUERIES }, (_, index) => {
    const topic = TOPICS[index % TOPICS.length]!.split(' ');
    return `${pick(topic)} ${pick(topic)} ${pick(FILLER)} ${pick(topic)}`;
  });
  const hybrid: number[] = [];
  const vectorOnly: number[] = [];
  const exact: number[] = [];
  let recallHits = 0;
  let strictHits = 0;
  // Untimed warm-up: the first queries of a run read the index from disk.
  for (const q of queries.slice(0, 20)) await knowledge.search({ q, k: 10 });
  for (const q of queries) {
    let start = performance.now();
    await knowledge.search({ q, k: 10 });
    hybrid.push(performance.now() - start);
    start = performance.now();
    const approximate = await knowledge.search({ q, k: 10, mode: 'vector' });
    vectorOnly.push(performance.now() - start);
    const [vector] = await embedder.embed([q]);
    start = performance.now();
    const truth = await database.sql.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_indexscan = off');
      return tx.query<{ id: string; distance: number }>(
        'SELECT id, embedding <=> $1::vector AS distance FROM document_chunks ORDER BY embedding <=> $1::vector LIMIT 10',
        [toPgVector(vector!)],
      );
    });
    exact.push(performance.now() - start);
    const expected = new Set(truth.map((row) => row.id));
    strictHits += approximate.filter((passage) => expected.has(passage.chunkId)).length;
    // The synthetic corpus repeats a small vocabulary, so many passages lie at exactly the same distance: a passage as
    // close as the exact 10th neighbour is a correct answer even when the exact scan broke the tie another way.
    const tenth = Number(truth.at(-1)?.distance ?? Infinity);
    recallHits += Math.min(10, approximate.filter((passage) => (passage.vectorDistance ?? Infinity) <= tenth + 1e-9).length);
  }
  const figures = {
    suite: 'kb',
    backend: 'postgres',
    embedder: embedder.modelId,
    chunks: total,
    reused,
    ingest: reused ? null : { documents: INGEST_DOCUMENTS, chunks: ingested, chunksPerSecond: Math.round(ingested / ingestSeconds) },
    bulkFill: reused
      ? null
      : { chunksPerSecond: Math.round((total - ingested) / fillSeconds), hnswBuildSeconds: Math.round(indexSeconds * 10) / 10 },
    hybrid: { p50Ms: percentile(hybrid, 0.5), p95Ms: percentile(hybrid, 0.95) },
    vectorLeg: { p50Ms: percentile(vectorOnly, 0.5), p95Ms: percentile(vectorOnly, 0.95) },
    exactKnn: { p50Ms: percentile(exact, 0.5), p95Ms: percentile(exact, 0.95) },
    hnswRecallAt10: Math.round((recallHits / (queries.length * 10)) * 1000) / 1000,
    hnswRecallAt10SameIds: Math.round((strictHits / (queries.length * 10)) * 1000) / 1000,
    hnswSpeedup: Math.round((percentile(exact, 0.5) / Math.max(0.01, percentile(vectorOnly, 0.5))) * 10) / 10,
    floor: { hybridP95Ms: 30, vectorP95Ms: 5, recallAt10: 0.95 },
  };
  console.log(JSON.stringify(figures));
} finally {
  await bench.close();
}

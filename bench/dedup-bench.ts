/**
 * `npm run bench:dedup`: the dedup store on this project's node_modules (tens of thousands of
 * files), against baselines measured in the same run: a raw read+SHA-256 pass on all cores
 * (the ceiling) and Panini-FS's method (fixed 64 KiB chunks, SHA-256, one thread). Then an
 * edited hard-link copy under /tmp for incremental behaviour, and a full restore checked
 * byte for byte. Prints one JSON line. Everything it creates under /tmp is removed.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { openDatabase, openMigratedDatabase, type Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { dedupSettingsFromConfig, defaultWorkers } from '../src/tools/dedup/dedup-settings.js';
import { ChunkParameters, nextCut } from '../src/tools/dedup/fastcdc.js';
import { ingestTree } from '../src/tools/dedup/ingest.js';
import { dedupStats } from '../src/tools/dedup/queries.js';
import { restoreSnapshot } from '../src/tools/dedup/restore.js';
import { listTree } from '../test/dedup/dedup-fixtures.js';

const root = path.resolve(process.env.BENCH_DEDUP_ROOT ?? path.join(import.meta.dirname, '..', 'node_modules'));
const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-dedup-bench-'));
const workers = defaultWorkers();
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

const files = listTree(root).filter((relative) => fs.lstatSync(path.join(root, relative)).isFile());
const totalBytes = files.reduce((sum, relative) => sum + fs.statSync(path.join(root, relative)).size, 0);

/** Raw read + SHA-256 of every file, on `workers` threads: the ceiling. */
async function rawPass(): Promise<number> {
  const started = performance.now();
  const code = `const { parentPort, workerData } = require('node:worker_threads'); const fs = require('node:fs'); const { createHash } = require('node:crypto');
    for (const file of workerData) createHash('sha256').update(fs.readFileSync(file)).digest(); parentPort.postMessage('done');`;
  const shares: string[][] = Array.from({ length: workers }, () => []);
  files.forEach((relative, index) => shares[index % workers]!.push(path.join(root, relative)));
  await Promise.all(shares.map((share) => new Promise((resolve, reject) => new Worker(code, { eval: true, workerData: share }).once('message', resolve).once('error', reject))));
  return (performance.now() - started) / 1000;
}

/** Panini-FS's method: fixed 64 KiB chunks, SHA-256, one thread; returns seconds and dedup ratio. */
function paniniPass(): { seconds: number; dedupRatio: number } {
  const started = performance.now();
  const unique = new Map<string, number>();
  for (const relative of files) {
    const data = fs.readFileSync(path.join(root, relative));
    for (let offset = 0; offset < data.length; offset += 65536) {
      const chunk = data.subarray(offset, offset + 65536);
      unique.set(createHash('sha256').update(chunk).digest('hex'), chunk.length);
    }
  }
  const uniqueBytes = [...unique.values()].reduce((sum, size) => sum + size, 0);
  return { seconds: (performance.now() - started) / 1000, dedupRatio: totalBytes / uniqueBytes };
}

/** FastCDC dedup ratio and atom count for a few averages, on a bounded sample (chooses the defaults). */
function chunkSizeSweep(): Record<string, { dedupRatio: number; meanChunkKiB: number; atoms: number }> {
  const sample: Buffer[] = [];
  let sampled = 0;
  for (let index = 0; index < files.length && sampled < 300e6; index += 2) {
    const data = fs.readFileSync(path.join(root, files[index]!));
    sample.push(data);
    sampled += data.length;
  }
  const result: Record<string, { dedupRatio: number; meanChunkKiB: number; atoms: number }> = {};
  for (const average of [4096, 8192, 16384, 32768, 65536]) {
    const parameters = new ChunkParameters({ min: average / 4, avg: average, max: average * 4 });
    const unique = new Map<string, number>();
    let chunks = 0;
    for (const data of sample) {
      for (let position = 0; position < data.length; ) {
        const length = nextCut(data, position, data.length, parameters);
        unique.set(createHash('sha256').update(data.subarray(position, position + length)).digest('hex'), length);
        position += length;
        chunks += 1;
      }
    }
    const uniqueBytes = [...unique.values()].reduce((sum, size) => sum + size, 0);
    result[`avg${average / 1024}k`] = { dedupRatio: round(sampled / uniqueBytes, 3), meanChunkKiB: round(sampled / chunks / 1024, 1), atoms: unique.size };
  }
  return result;
}

async function openBenchDatabase(): Promise<{ database: Database; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const { database } = await openMigratedDatabase({ backend: 'pglite' });
    return { database, drop: () => database.close() };
  }
  const name = `vigie_dedup_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  const database = await openDatabase({ backend: 'postgres', url: target.toString(), poolSize: 4 });
  await migrate(database.sql);
  return {
    database,
    drop: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

const { database, drop } = await openBenchDatabase();
try {
  const rawSeconds = await rawPass(); // also warms the page cache
  const panini = paniniPass();
  const sweep = chunkSizeSweep();
  const fsync = process.env.BENCH_DEDUP_FSYNC === 'true';
  const settings = { ...dedupSettingsFromConfig({ DEDUP_DIR: path.join(workDirectory, 'store'), DEDUP_FSYNC: fsync })!, workers };

  const cold = await ingestTree(database, settings, { root, snapshot: 'cold' });
  const warm = await ingestTree(database, settings, { root, snapshot: 'warm', full: true });
  const stats = await dedupStats(database.sql, 'cold');

  // A hard-link copy with small edits: first ingest of the copy, then an incremental one.
  const copy = path.join(workDirectory, 'copy');
  execFileSync('cp', ['-al', root, copy]);
  const copyFirst = await ingestTree(database, settings, { root: copy, snapshot: 'copy-1' });
  const edited = files.filter((_, index) => index % 500 === 0);
  for (const relative of edited) {
    const target = path.join(copy, relative);
    const content = fs.readFileSync(target);
    fs.rmSync(target);
    fs.writeFileSync(target, Buffer.concat([Buffer.from('// edited\n'), content]));
  }
  const incremental = await ingestTree(database, settings, { root: copy, snapshot: 'copy-2' });

  const destination = path.join(workDirectory, 'restore');
  const restore = await restoreSnapshot(database, settings, { snapshot: 'cold', path: '', destination });
  let identical = 0;
  for (const relative of files) {
    if (fs.readFileSync(path.join(destination, relative)).equals(fs.readFileSync(path.join(root, relative)))) identical += 1;
  }

  const megabytes = totalBytes / 1e6;
  const line = {
    bench: 'dedup',
    tree: root,
    files: files.length,
    megabytes: round(megabytes),
    workers,
    cores: os.availableParallelism(),
    loadAverage: round(os.loadavg()[0]!, 2),
    fsync,
    chunkSizes: settings.chunkSizes,
    ceilingRawSha256MBps: round(megabytes / rawSeconds),
    paniniFixed64kMBps: round(megabytes / panini.seconds),
    paniniDedupRatio: round(panini.dedupRatio, 3),
    ingestColdMBps: round(cold.megabytesPerSecond),
    ingestColdFilesPerSecond: round(cold.filesPerSecond, 0),
    ingestWarmMBps: round(warm.megabytesPerSecond),
    ingestWarmFilesPerSecond: round(warm.filesPerSecond, 0),
    dedupRatio: stats.dedupRatio,
    copyIngestMBps: round(copyFirst.megabytesPerSecond),
    incrementalSeconds: round(incremental.seconds, 2),
    incrementalFilesRead: incremental.filesRead,
    incrementalFilesPerSecond: round(incremental.filesPerSecond, 0),
    incrementalNewAtomBytes: incremental.newAtomBytes,
    restoreMBps: round(restore.megabytesPerSecond),
    bitPerfectPercent: round((identical / files.length) * 100, 2),
    ratios: {
      warmIngestVsCeiling: round(warm.megabytesPerSecond / (megabytes / rawSeconds), 3),
      coldIngestVsCeiling: round(cold.megabytesPerSecond / (megabytes / rawSeconds), 3),
      warmIngestVsPanini: round(warm.megabytesPerSecond / (megabytes / panini.seconds), 2),
      dedupVsPanini: round(stats.dedupRatio / panini.dedupRatio, 3),
    },
    chunkSizeSweep: sweep,
    problems: cold.problemCount,
  };
  process.stdout.write(JSON.stringify(line) + '\n');
} finally {
  await drop();
  fs.rmSync(workDirectory, { recursive: true, force: true });
}

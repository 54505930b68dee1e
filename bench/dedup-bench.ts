/**
 * `npm run bench:dedup`: the dedup store against references measured in the same run, on two
 * trees (`BENCH_DEDUP_ROOT`, default this project's whole node_modules, and a generated tree
 * of `BENCH_DEDUP_SMALL_FILES` (5,000) files under 4 KiB) and on both databases (PGlite, and
 * PostgreSQL when DATABASE_URL is set, in a database of its own). Each of `BENCH_RUNS` (3)
 * rounds measures the ceiling (raw read + SHA-256 on all cores, bench/support/dedup-baselines.ts),
 * the restore bound (the same workers creating and writing the same files), the one-core cost
 * of each stage an ingest cannot skip (bench/support/dedup-stage-costs.ts)
 * and the baseline (fixed 64 KiB + SHA-256, one thread), then per database a cold ingest (empty
 * store), a warm one (same atoms, every file re-read) and a restore checked byte for byte.
 * Figures are medians of the rounds, ratios medians of the per-round ratios (each round's
 * figure over that round's ceiling). Prints ONE JSON line, with the load average at start and
 * end. `BENCH_DEDUP_PROFILE_DIR=dir` also writes a main-thread CPU profile of the first round's
 * ingests. Everything it creates under the temporary directory is removed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openMigratedDatabase, type Database } from '../src/db/database.js';
import { dedupSettingsFromConfig, defaultWorkers, type DedupSettings } from '../src/tools/dedup/dedup-settings.js';
import { ingestTree, type IngestReport } from '../src/tools/dedup/ingest.js';
import { dedupStats, similarFiles } from '../src/tools/dedup/queries.js';
import { restoreSnapshot } from '../src/tools/dedup/restore.js';
import { listTree } from '../test/dedup/dedup-fixtures.js';
import { openBenchDatabase } from './support/bench-database.js';
import { buildSmallFilesTree, CeilingPool, chunkSizeSweep, fixedChunkPass } from './support/dedup-baselines.js';
import { measureStageCosts, type StageCosts } from './support/dedup-stage-costs.js';
import { formatSummary, profileWhile, summarizeProfile } from './support/cpu-profile.js';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const smallCount = Number(process.env.BENCH_DEDUP_SMALL_FILES ?? 5000);
const profileDirectory = process.env.BENCH_DEDUP_PROFILE_DIR;
const fsync = process.env.BENCH_DEDUP_FSYNC === 'true';
const workers = defaultWorkers();
const workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-dedup-bench-'));
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const load = () => round(os.loadavg()[0]!, 2);
let setAsideCount = 0;
/**
 * Moves a tree the bench wrote out of the way, deleted only with the work directory at the end.
 * Deleting tens of thousands of files slows every file created on this machine's journal-less
 * ext4 for minutes after (its inode allocator skips recently deleted inodes one by one), so a
 * restore measured after the previous one's deletion measured that deletion (see performance.md).
 */
const setAside = (directory: string) => fs.renameSync(directory, path.join(workDirectory, `set-aside-${(setAsideCount += 1)}`));

interface Tree {
  name: string;
  root: string;
  files: string[];
  bytes: number;
}

function describeTree(name: string, root: string): Tree {
  const files = listTree(root).filter((relative) => fs.lstatSync(path.join(root, relative)).isFile());
  return { name, root, files, bytes: files.reduce((sum, relative) => sum + fs.statSync(path.join(root, relative)).size, 0) };
}

interface Backend {
  name: 'pglite' | 'postgres';
  database: Database;
  close: () => Promise<void>;
}

async function openBackends(): Promise<Backend[]> {
  const { database } = await openMigratedDatabase({ backend: 'pglite' });
  const backends: Backend[] = [{ name: 'pglite', database, close: () => database.close() }];
  if (process.env.DATABASE_URL) {
    const postgres = await openBenchDatabase(`${process.env.VIGIE_TEST_DB_PREFIX ?? 'vigie'}_dedup_bench`, { poolSize: 4 });
    backends.push({ name: 'postgres', database: postgres.database, close: () => postgres.close() });
  }
  return backends;
}

/** Files of `tree` identical under `destination`, byte for byte. */
function identicalFiles(tree: Tree, destination: string): number {
  let identical = 0;
  for (const relative of tree.files) {
    const restored = path.join(destination, relative);
    if (fs.existsSync(restored) && fs.readFileSync(restored).equals(fs.readFileSync(path.join(tree.root, relative)))) identical += 1;
  }
  return identical;
}

interface RoundFigures {
  ceilingMBps: number;
  ceilingFilesPerSecond: number;
  fixed64kMBps: number;
  fixed64kDedupRatio: number;
  restoreBoundMBps: number;
  restoreBoundFilesPerSecond: number;
  ceilingSeconds: number;
  stages: StageCosts;
  backends: Record<
    string,
    {
      cold: IngestReport;
      warm: IngestReport;
      restoreMBps: number;
      bitPerfectPercent: number;
      dedupRatio: number;
      incremental?: IngestReport;
    }
  >;
}

async function measureBackend(
  backend: Backend,
  tree: Tree,
  settings: DedupSettings,
  first: boolean,
): Promise<RoundFigures['backends'][string]> {
  const { database } = backend;
  await database.sql.query(`TRUNCATE dedup_file_atoms, dedup_files, dedup_atoms, dedup_snapshots`);
  fs.rmSync(settings.storeDirectory, { recursive: true, force: true });
  const ingest = async (snapshot: string, full: boolean) => {
    const work = () => ingestTree(database, settings, { root: tree.root, snapshot, full });
    if (!(first && profileDirectory)) return work();
    const file = path.join(profileDirectory, `dedup-${tree.name}-${backend.name}-${snapshot}.cpuprofile`);
    const { result, profile } = await profileWhile(file, work);
    process.stderr.write(formatSummary(`${tree.name} ${backend.name} ${snapshot} (load ${load()})`, summarizeProfile(profile)) + '\n');
    return result;
  };
  const cold = await ingest('cold', false);
  const warm = await ingest('warm', true);
  const incremental = first ? await ingest('incremental', false) : undefined;
  const destination = path.join(workDirectory, 'restore');
  const restore = await restoreSnapshot(database, settings, { snapshot: 'cold', path: '', destination });
  const identical = identicalFiles(tree, destination);
  setAside(destination);
  const stats = await dedupStats(database.sql, 'cold');
  return {
    cold,
    warm,
    incremental,
    restoreMBps: restore.megabytesPerSecond,
    bitPerfectPercent: (identical / tree.files.length) * 100,
    dedupRatio: stats.dedupRatio,
  };
}

/** A 3 MiB file and a copy with one byte inserted in front: the share of the copy found in the store. */
async function shiftedCopySimilarity(backend: Backend, settings: DedupSettings): Promise<number> {
  const root = path.join(workDirectory, 'shifted');
  fs.mkdirSync(root, { recursive: true });
  const original = randomBytes(3 * 1024 * 1024);
  fs.writeFileSync(path.join(root, 'original.bin'), original);
  fs.writeFileSync(path.join(root, 'shifted.bin'), Buffer.concat([Buffer.from('X'), original]));
  await ingestTree(backend.database, settings, { root, snapshot: 'shifted' });
  const found = await similarFiles(backend.database.sql, { path: 'shifted.bin', snapshot: 'shifted' });
  fs.rmSync(root, { recursive: true, force: true });
  return found.similar.find((file) => file.path === 'original.bin')?.similarity ?? 0;
}

async function benchTree(tree: Tree, backends: Backend[]): Promise<Record<string, unknown>> {
  const absolute = tree.files.map((relative) => path.join(tree.root, relative));
  const ceiling = await CeilingPool.start(workers, tree.root, absolute);
  const settings: DedupSettings = {
    ...dedupSettingsFromConfig({ DEDUP_DIR: path.join(workDirectory, 'store'), DEDUP_FSYNC: fsync })!,
    workers,
  };
  const rounds: RoundFigures[] = [];
  const loadStart = load();
  try {
    for (let index = 0; index < runs; index += 1) {
      const raw = await ceiling.run();
      const fixed = fixedChunkPass(absolute);
      const bound = await ceiling.writeBound(path.join(workDirectory, 'write-bound'));
      setAside(path.join(workDirectory, 'write-bound'));
      const stages = measureStageCosts(absolute, settings.chunkSizes, workDirectory);
      const figures: RoundFigures = {
        restoreBoundMBps: tree.bytes / 1e6 / bound.seconds,
        restoreBoundFilesPerSecond: tree.files.length / bound.seconds,
        ceilingMBps: tree.bytes / 1e6 / raw.seconds,
        ceilingSeconds: raw.seconds,
        stages,
        ceilingFilesPerSecond: tree.files.length / raw.seconds,
        fixed64kMBps: tree.bytes / 1e6 / fixed.seconds,
        fixed64kDedupRatio: fixed.dedupRatio,
        backends: {},
      };
      for (const backend of backends) figures.backends[backend.name] = await measureBackend(backend, tree, settings, index === 0);
      rounds.push(figures);
    }
  } finally {
    await ceiling.close();
  }
  const pick = (select: (figures: RoundFigures) => number, digits = 1) => round(median(rounds.map(select)), digits);
  const result: Record<string, unknown> = {
    root: tree.root,
    files: tree.files.length,
    megabytes: round(tree.bytes / 1e6),
    loadAverage: { start: loadStart, end: load() },
    ceilingRawSha256MBps: pick((figures) => figures.ceilingMBps),
    ceilingFilesPerSecond: pick((figures) => figures.ceilingFilesPerSecond, 0),
    fixed64kMBps: pick((figures) => figures.fixed64kMBps),
    fixed64kDedupRatio: pick((figures) => figures.fixed64kDedupRatio, 3),
    // The least any restore does (create + write + chmod + utimes, all cores), measured before this round's ingests.
    restoreBoundMBps: pick((figures) => figures.restoreBoundMBps),
    restoreBoundFilesPerSecond: pick((figures) => figures.restoreBoundFilesPerSecond, 0),
    restoreBoundVsCeiling: pick((figures) => figures.restoreBoundMBps / figures.ceilingMBps, 3),
    // One-core CPU seconds of each stage an ingest cannot skip (bench/support/dedup-stage-costs.ts).
    stageCoreSeconds: Object.fromEntries(
      (Object.keys(rounds[0]!.stages) as Array<keyof StageCosts>).map((stage) => [stage, pick((figures) => figures.stages[stage], 3)]),
    ),
    // The most an ingest could reach against the ceiling if only those stages cost anything, shared perfectly over the cores.
    computeBoundVsCeiling: {
      warm: pick((figures) => figures.ceilingSeconds / (figures.stages.readCdcSha256 / workers), 3),
      cold: pick((figures) => figures.ceilingSeconds / (figures.stages.readCdcSha256Write / workers), 3),
    },
  };
  const beaten: string[] = [];
  rounds.forEach((figures, index) => figures.ceilingMBps > figures.fixed64kMBps || beaten.push(`round ${index + 1}: fixed 64k`));
  for (const backend of backends) {
    const of = (figures: RoundFigures) => figures.backends[backend.name]!;
    const shifted = await shiftedCopySimilarity(backend, settings);
    rounds.forEach((figures, index) => {
      const own = of(figures);
      for (const [label, value] of [
        ['cold', own.cold.megabytesPerSecond],
        ['warm', own.warm.megabytesPerSecond],
        ['restore', own.restoreMBps],
      ] as const) {
        if (value >= figures.ceilingMBps) beaten.push(`round ${index + 1}: ${backend.name} ${label}`);
      }
    });
    const incremental = of(rounds[0]!).incremental!;
    result[backend.name] = {
      ingestColdMBps: pick((figures) => of(figures).cold.megabytesPerSecond),
      ingestColdFilesPerSecond: pick((figures) => of(figures).cold.filesPerSecond, 0),
      ingestWarmMBps: pick((figures) => of(figures).warm.megabytesPerSecond),
      ingestWarmFilesPerSecond: pick((figures) => of(figures).warm.filesPerSecond, 0),
      incrementalSeconds: round(incremental.seconds, 2),
      incrementalFilesPerSecond: round(incremental.filesPerSecond, 0),
      restoreMBps: pick((figures) => of(figures).restoreMBps),
      bitPerfectPercent: Math.min(...rounds.map((figures) => round(of(figures).bitPerfectPercent, 2))),
      dedupRatio: pick((figures) => of(figures).dedupRatio, 3),
      shiftedCopySimilarity: shifted,
      problems: of(rounds[0]!).cold.problemCount,
      ratios: {
        warmVsFixed64k: pick((figures) => of(figures).warm.megabytesPerSecond / figures.fixed64kMBps, 3),
        warmVsCeiling: pick((figures) => of(figures).warm.megabytesPerSecond / figures.ceilingMBps, 3),
        coldVsCeiling: pick((figures) => of(figures).cold.megabytesPerSecond / figures.ceilingMBps, 3),
        restoreVsCeiling: pick((figures) => of(figures).restoreMBps / figures.ceilingMBps, 3),
        restoreVsBound: pick((figures) => of(figures).restoreMBps / figures.restoreBoundMBps, 3),
        dedupVsFixed64k: pick((figures) => of(figures).dedupRatio / figures.fixed64kDedupRatio, 3),
      },
    };
  }
  result.ceilingBeatsAll = beaten.length === 0;
  if (beaten.length > 0) result.ceilingBeatenBy = beaten;
  return result;
}

/** The floors of issue #24, checked per tree and database. */
function floors(main: Record<string, unknown>, small: Record<string, unknown>, backends: Backend[]): { met: boolean; missed: string[] } {
  const missed: string[] = [];
  for (const backend of backends) {
    for (const [label, tree] of [
      ['main', main],
      ['small', small],
    ] as const) {
      const figures = tree[backend.name] as {
        ratios: Record<string, number>;
        bitPerfectPercent: number;
        shiftedCopySimilarity: number;
        ingestColdFilesPerSecond: number;
        ingestWarmFilesPerSecond: number;
      };
      const check = (ok: boolean, what: string) => ok || missed.push(`${label} ${backend.name}: ${what}`);
      if (label === 'main') {
        check(figures.ratios.warmVsFixed64k! >= 0.8, `warm ${figures.ratios.warmVsFixed64k} < 0.8x fixed 64k`);
        check(figures.ratios.warmVsCeiling! >= 0.5, `warm ${figures.ratios.warmVsCeiling} < 0.5x ceiling`);
        check(figures.ratios.coldVsCeiling! >= 0.4, `cold ${figures.ratios.coldVsCeiling} < 0.4x ceiling`);
        const bound = main.restoreBoundVsCeiling as number;
        check(
          figures.ratios.restoreVsCeiling! >= 0.5,
          `restore ${figures.ratios.restoreVsCeiling} < 0.5x ceiling (the bare write bound was ${bound}x the ceiling in this run)`,
        );
      } else {
        check(
          Math.min(figures.ingestColdFilesPerSecond, figures.ingestWarmFilesPerSecond) >= 3000,
          `small files ${Math.min(figures.ingestColdFilesPerSecond, figures.ingestWarmFilesPerSecond)} files/s < 3000`,
        );
      }
      check(figures.bitPerfectPercent === 100, `restore ${figures.bitPerfectPercent} % bit-perfect`);
      check(figures.ratios.dedupVsFixed64k! >= 1, `dedup ratio ${figures.ratios.dedupVsFixed64k} of the fixed method's`);
      check(figures.shiftedCopySimilarity >= 0.95, `shifted copy similarity ${figures.shiftedCopySimilarity}`);
    }
  }
  if (!main.ceilingBeatsAll) missed.push(`main: the ceiling did not beat ${String(main.ceilingBeatenBy)}`);
  if (!small.ceilingBeatsAll) missed.push(`small: the ceiling did not beat ${String(small.ceilingBeatenBy)}`);
  return { met: missed.length === 0, missed: [...new Set(missed)] };
}

const mainRoot = path.resolve(process.env.BENCH_DEDUP_ROOT ?? path.join(import.meta.dirname, '..', 'node_modules'));
const backends = await openBackends();
const loadAtStart = load();
try {
  if (profileDirectory) fs.mkdirSync(profileDirectory, { recursive: true });
  const mainTree = describeTree('main', mainRoot);
  const smallTree = describeTree('small', buildSmallFilesTree(path.join(workDirectory, 'small-files'), smallCount));
  const main = await benchTree(mainTree, backends);
  const small = await benchTree(smallTree, backends);
  const mainFigures = main[backends[0]!.name] as { ratios: { warmVsCeiling: number } };
  const line = {
    bench: 'dedup',
    ratio: mainFigures.ratios.warmVsCeiling,
    floor: floors(main, small, backends),
    runs,
    workers,
    cores: os.availableParallelism(),
    loadAverage: { start: loadAtStart, end: load() },
    fsync,
    chunkSizes: dedupSettingsFromConfig({ DEDUP_DIR: workDirectory })!.chunkSizes,
    databases: backends.map((backend) => backend.name),
    main,
    small,
    ...(process.env.BENCH_DEDUP_SWEEP === 'true'
      ? { chunkSizeSweep: chunkSizeSweep(mainTree.files.map((relative) => path.join(mainRoot, relative))) }
      : {}),
  };
  process.stdout.write(JSON.stringify(line) + '\n');
} finally {
  for (const backend of backends) await backend.close();
  fs.rmSync(workDirectory, { recursive: true, force: true });
}

/**
 * `npm run bench:startup`: how fast Vigie starts from an installed tree (`npm install`
 * leaves a ready build, see the `prepare` script), through the real `vigie start`:
 * - first /health on an empty DATA_DIR (PGlite created and migrated, admin user made);
 * - warm restart to /health on PGlite, and on PostgreSQL when DATABASE_URL is set (a
 *   database of its own, dropped after);
 * - idle RSS of the warm node, on PGlite and on PostgreSQL;
 * - medians of BENCH_STARTUP_RUNS (3) warm restarts, /health polled every 20 ms;
 * - the CPU time (user + system, /proc) the node spent until its first /health answer: less
 *   sensitive than wall time to other work on the machine;
 * beside the same-run ceiling: `node -e 'require("http").createServer().listen()'` to its
 * first answer and its RSS. Prints ONE JSON line (with the load average: figures taken
 * under load are not the machine's). The PostgreSQL database is named after
 * VIGIE_TEST_DB_PREFIX (default `vigie_bench`) and dropped after.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { freePort, prepareCli, releaseCli, startCli, temporaryDirectory } from '../test/startup/cli-process.js';
import { processCpuTicks, rssBytes, TICKS_PER_SECOND } from './support/proc-stats.js';

function rssMb(pid: number | undefined): number {
  if (!pid) return -1;
  const bytes = rssBytes(pid);
  return bytes ? Math.round(bytes / 1024 / 1024) : -1;
}

/** User + system CPU time of a process so far, in ms. */
function cpuMs(pid: number | undefined): number {
  return pid ? (processCpuTicks(pid) * 1000) / TICKS_PER_SECOND : -1;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: Math.round(performance.now() - started), value };
}

/** The ceiling: a bare Node HTTP server's start to first answer, and its RSS. */
async function bareNode(): Promise<{ ms: number; rssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', `require("http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1")`], {
    stdio: 'ignore',
  });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const ms = Math.round(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const rss = rssMb(child.pid);
  child.kill('SIGTERM');
  return { ms, rssMb: rss };
}

/** Median of a list of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
const POLL_MS = 20;

/** Warm restarts of one configuration: start-to-/health of each, and the idle RSS of the last. */
async function warmRestarts(environment: Record<string, string>): Promise<{ ms: number[]; cpuMs: number[]; idleRssMb: number }> {
  const times: number[] = [];
  const cpu: number[] = [];
  let idleRssMb = -1;
  for (let run = 0; run < RUNS; run += 1) {
    const warm = await timed(() => startCli(environment, 300_000, POLL_MS));
    times.push(warm.ms);
    cpu.push(cpuMs(warm.value.child.pid));
    if (run === RUNS - 1) {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      idleRssMb = rssMb(warm.value.child.pid);
    }
    await warm.value.stop();
  }
  return { ms: times, cpuMs: cpu, idleRssMb };
}

async function postgresRestarts(url: string): Promise<{ ms: number[]; cpuMs: number[]; idleRssMb: number }> {
  const name = `${/^[a-z_][a-z0-9_]*$/.test(process.env.VIGIE_TEST_DB_PREFIX ?? '') ? process.env.VIGIE_TEST_DB_PREFIX : 'vigie_bench'}_startup_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const data = temporaryDirectory('vigie-bench-startup-pg-');
  try {
    const environment = { DATA_DIR: data.path, DATABASE_URL: target.toString(), LOG_LEVEL: 'warn' };
    await (await startCli(environment, 300_000)).stop();
    return await warmRestarts(environment);
  } finally {
    data.remove();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

prepareCli();
const data = temporaryDirectory('vigie-bench-startup-');
try {
  const environment = { DATA_DIR: data.path, LOG_LEVEL: 'warn' };
  const first = await timed(() => startCli(environment, 300_000, POLL_MS));
  await first.value.stop();
  const pglite = await warmRestarts(environment);
  const postgres = process.env.DATABASE_URL ? await postgresRestarts(process.env.DATABASE_URL) : null;
  const ceiling = await bareNode();
  const warmPglite = median(pglite.ms);
  console.log(
    JSON.stringify({
      bench: 'startup',
      runs: RUNS,
      firstHealthAfterInstallMs: first.ms,
      warmRestartPgliteMs: warmPglite,
      warmRestartPgliteRunsMs: pglite.ms,
      warmRestartPgliteCpuMs: median(pglite.cpuMs),
      warmRestartPgliteRunsCpuMs: pglite.cpuMs,
      warmRestartPostgresMs: postgres ? median(postgres.ms) : null,
      warmRestartPostgresRunsMs: postgres?.ms ?? null,
      warmRestartPostgresCpuMs: postgres ? median(postgres.cpuMs) : null,
      warmRestartPostgresRunsCpuMs: postgres?.cpuMs ?? null,
      idleRssMb: pglite.idleRssMb,
      idleRssPostgresMb: postgres?.idleRssMb ?? null,
      ceiling: { bareNodeListenMs: ceiling.ms, bareNodeRssMb: ceiling.rssMb },
      ratio: Math.round((warmPglite / Math.max(1, ceiling.ms)) * 10) / 10,
      floors: { firstHealthAfterInstallMs: 10_000, warmRestartPgliteMs: 2_000, warmRestartPostgresMs: 1_000, idleRssMb: 200 },
      loadavg: os.loadavg().map((value) => Math.round(value * 100) / 100),
      cores: os.cpus().length,
    }),
  );
} finally {
  data.remove();
  releaseCli();
}

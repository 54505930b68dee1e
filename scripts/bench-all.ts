/**
 * `npm run bench`: every benchmark suite in turn (bench/<suite>-bench.ts), then ONE table of
 * their figures and, below it, their JSON lines (each suite prints its own, with its
 * same-run ceiling and `ratio`). `npm run bench -- --smoke` runs each suite briefly (tiny
 * sizes, second-long phases): CI uses it to prove every suite still runs; its figures mean
 * nothing and no threshold is checked. `--only api,ws` picks suites. Exit code 1 when a
 * suite fails or prints no JSON line.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;

/** Short settings per suite for --smoke: just enough to run every phase once. */
const SMOKE_ENV: Record<string, Record<string, string>> = {
  agent: { BENCH_SECONDS: '1', BENCH_CONNECTIONS: '2', BENCH_TURNS: '4' },
  api: { BENCH_SECONDS: '1', BENCH_RUNS: '1', BENCH_ROWS: '200', BENCH_CONNECTIONS: '4', BENCH_COMMAND_CONNECTIONS: '4' },
  'api-soak': { BENCH_SOAK_SECONDS: '6', BENCH_WARMUP_SECONDS: '1', BENCH_CONNECTIONS: '4', BENCH_ROWS: '200' },
  bots: { BENCH_BOTS_COMMANDS: '10' },
  dedup: { BENCH_DEDUP_ROOT: path.join(root, 'src'), BENCH_RUNS: '1', BENCH_DEDUP_SMALL_FILES: '200' },
  'draft-model': { BENCH_DRAFTS: '2' },
  incidents: { BENCH_INCIDENT_ALERTS: '3' },
  kb: { BENCH_CHUNKS: '500', BENCH_INGEST_DOCUMENTS: '5', BENCH_QUERIES: '5' },
  llm: { BENCH_TOKENS: '8', BENCH_ROUNDS: '1' },
  services: { BENCH_SERVICES: '500', BENCH_SEARCHES: '5' },
  ws: { WS_BENCH_CLIENTS: '40', WS_BENCH_ROOM_SIZE: '10', WS_BENCH_PHASE_MS: '500' },
};

interface SuiteRun {
  suite: string;
  code: number | null;
  seconds: number;
  lines: Record<string, unknown>[];
  stderrTail: string;
}

function runSuite(suite: string): Promise<SuiteRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', `${suite}-bench.ts`)], {
      cwd: root,
      env: { ...process.env, ...(smoke ? SMOKE_ENV[suite] : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        });
      resolve({
        suite,
        code,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        lines,
        stderrTail: stderr.trim().split('\n').slice(-5).join('\n'),
      });
    });
  });
}

/** The headline of a JSON line: its path (if any), its ratio and whether its floor was met. */
function headline(line: Record<string, unknown>): string {
  const floor = line.floor as { met?: unknown } | undefined;
  const ratio = line.ratio ?? line.ratioToCeiling ?? line.throughputRatio ?? '';
  return [
    line.path ?? '',
    ratio === '' ? '' : `ratio ${String(ratio)}`,
    floor && 'met' in floor ? `floor ${floor.met ? 'met' : 'missed'}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

async function main(): Promise<void> {
  const suites = readdirSync(path.join(root, 'bench'))
    .filter((file) => file.endsWith('-bench.ts'))
    .map((file) => file.replace(/-bench\.ts$/, ''))
    .filter((suite) => !only || only.has(suite))
    .sort();
  const runs: SuiteRun[] = [];
  for (const suite of suites) {
    process.stderr.write(`bench: ${suite}${smoke ? ' (smoke)' : ''}…\n`);
    const run = await runSuite(suite);
    if (run.code !== 0 || run.lines.length === 0) process.stderr.write(`bench: ${suite} failed (exit ${run.code}):\n${run.stderrTail}\n`);
    runs.push(run);
  }
  const rows = runs.flatMap((run) =>
    run.lines.length
      ? run.lines.map((line) => [run.suite, run.code === 0 ? 'ok' : `exit ${run.code}`, `${run.seconds}s`, headline(line)])
      : [[run.suite, `exit ${run.code}`, `${run.seconds}s`, 'no JSON line']],
  );
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length), 5));
  const table = rows.map((row) => row.map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell)).join(' | '));
  process.stdout.write(`${smoke ? 'bench smoke (figures meaningless)' : 'bench'}: ${runs.length} suites\n${table.join('\n')}\n`);
  for (const run of runs) for (const line of run.lines) process.stdout.write(JSON.stringify(line) + '\n');
  if (runs.some((run) => run.code !== 0 || run.lines.length === 0)) process.exitCode = 1;
}

void main();

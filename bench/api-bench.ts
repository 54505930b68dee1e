/**
 * `npm run bench:api`: Vigie's REST hot paths against fair ceilings measured in the same run
 * (bench/support/api-ceilings.ts: a bare Express app on the same pg pool running the same
 * SQL, the bare JSON route, and a bare route running the routed command's tool with one
 * audit row), so a noisy shared machine still gives meaningful ratios.
 *
 * It creates its own database (vigie_bench_<pid>) next to DATABASE_URL's and drops it at the
 * end, seeds BENCH_ROWS (10k) conversations for one operator, then runs BENCH_RUNS (5) rounds;
 * each round drives every path and its ceilings back to back (autocannon in a worker thread,
 * BENCH_SECONDS each), so the medians and per-round ratios pair runs taken under the same
 * load. Prints ONE JSON line per path (GET and POST /api/conversations at
 * BENCH_CONNECTIONS=50, POST /api/commands `status` at BENCH_COMMAND_CONNECTIONS=50), each
 * with its ceilings, `ratio` (median of the rounds' path/same-SQL ratios), the floor and the
 * load average. BENCH_PROFILE_DIR=dir also profiles the server on each path for
 * BENCH_PROFILE_SECONDS (one .cpuprofile per path, summary on stderr). BENCH_ONLY=command
 * (or list, create, comma-separated) runs only those paths.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type autocannon from 'autocannon';
import { CEILING_AUDIT_TABLE_SQL, ceilingServer } from './support/api-ceilings.js';
import { listen, serverUrl, startApiUnderTest } from './support/api-setup.js';
import { formatSummary, profileWhile, summarizeProfile } from './support/cpu-profile.js';
import { drive, loadAverage, median, medianFigures, round, type Figures } from './support/load-runner.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const COMMAND_CONNECTIONS = Number(process.env.BENCH_COMMAND_CONNECTIONS ?? 50);
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
// A comma-separated list of words picking paths by name (`list`, `create`, `command`); all when unset.
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((word) => word.trim().toLowerCase())
  .filter(Boolean);
const PROFILE_SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? SECONDS);
const DATABASE_NAME = 'vigie_bench_api';

/** One measured path: Vigie's request and its same-work ceiling's. */
interface Scenario {
  /** The word BENCH_ONLY picks it by. */
  name: string;
  path: string;
  connections: number;
  vigie: autocannon.Options;
  ceiling: autocannon.Options;
  /** The floor of issue #18 for this path. */
  floor: { ratio: number; ratioToBareJson?: number; p99Ms?: number };
}

async function main(): Promise<void> {
  const api = await startApiUnderTest(DATABASE_NAME, ROWS);
  let ceiling: Server | undefined;
  try {
    const { token, principal } = api;
    await api.database.sql.exec(CEILING_AUDIT_TABLE_SQL);
    const status = api.app.tools.registry.get('system_status');
    if (!status) throw new Error('system_status is not registered');
    ceiling = ceilingServer(api.pool, principal, status.tool);
    await listen(ceiling);

    const base = api.url;
    const bare = serverUrl(ceiling);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const createBody = JSON.stringify({ title: 'Bench created', context: { site: 'DLA-1' } });
    const commandBody = JSON.stringify({ text: 'status' });
    const json = { url: `${bare}/json` };
    const all: Scenario[] = [
      {
        name: 'list',
        path: 'GET /api/conversations',
        connections: CONNECTIONS,
        vigie: { url: `${base}/api/conversations?limit=20`, headers },
        ceiling: { url: `${bare}/list?limit=20` },
        floor: { ratio: 0.7, ratioToBareJson: 0.35, p99Ms: 50 },
      },
      {
        name: 'create',
        path: 'POST /api/conversations',
        connections: CONNECTIONS,
        vigie: { url: `${base}/api/conversations`, method: 'POST', headers, body: createBody },
        ceiling: { url: `${bare}/create`, method: 'POST', headers, body: createBody },
        floor: { ratio: 0.6 },
      },
      {
        name: 'command',
        path: 'POST /api/commands (status)',
        connections: COMMAND_CONNECTIONS,
        vigie: { url: `${base}/api/commands`, method: 'POST', headers, body: commandBody },
        ceiling: { url: `${bare}/command`, method: 'POST', headers, body: commandBody },
        floor: { ratio: 0.5, p99Ms: 30 },
      },
    ];
    const scenarios = ONLY.length ? all.filter((scenario) => ONLY.some((word) => scenario.name === word)) : all;
    if (scenarios.length === 0) throw new Error(`BENCH_ONLY=${ONLY.join(',')} picks no path (list, create, command)`);

    // Warm-up of every path (JIT, pools, prepared statements, auth cache): not measured.
    for (const scenario of scenarios) {
      await drive(scenario.vigie, 10, 1);
      await drive(scenario.ceiling, 10, 1);
    }
    await drive(json, 10, 1);

    const results = new Map<string, { vigie: Figures[]; ceiling: Figures[]; json: Figures[]; loads: number[] }>();
    for (let round = 0; round < RUNS; round += 1) {
      for (const scenario of scenarios) {
        const entry = results.get(scenario.path) ?? { vigie: [], ceiling: [], json: [], loads: [] };
        entry.loads.push(loadAverage());
        // Ceilings and path back to back, so each round's ratios compare runs under the same load.
        entry.json.push(await drive(json, scenario.connections, SECONDS));
        entry.ceiling.push(await drive(scenario.ceiling, scenario.connections, SECONDS));
        entry.vigie.push(await drive(scenario.vigie, scenario.connections, SECONDS));
        results.set(scenario.path, entry);
      }
    }

    for (const scenario of scenarios) {
      const entry = results.get(scenario.path)!;
      const ratios = entry.vigie.map((run, index) => run.requestsPerSecond / Math.max(1, entry.ceiling[index]!.requestsPerSecond));
      const jsonRatios = entry.vigie.map((run, index) => run.requestsPerSecond / Math.max(1, entry.json[index]!.requestsPerSecond));
      const vigie = medianFigures(entry.vigie);
      const ratio = round(median(ratios));
      const ratioToBareJson = round(median(jsonRatios));
      const { floor } = scenario;
      const met =
        ratio >= floor.ratio &&
        (floor.ratioToBareJson === undefined || ratioToBareJson >= floor.ratioToBareJson) &&
        (floor.p99Ms === undefined || vigie.p99Ms < floor.p99Ms) &&
        vigie.non2xx === 0 &&
        vigie.errors === 0;
      const line = {
        suite: 'api',
        path: scenario.path,
        connections: scenario.connections,
        runs: RUNS,
        secondsPerRun: SECONDS,
        vigie,
        ceiling: { sameWork: medianFigures(entry.ceiling), bareJson: medianFigures(entry.json) },
        ratio,
        ratios: ratios.map((value) => round(value)),
        ratioToBareJson,
        floor: { ...floor, met },
        loadAverage: { median: round(median(entry.loads), 2), max: Math.max(...entry.loads), end: loadAverage() },
      };
      process.stdout.write(JSON.stringify(line) + '\n');
    }

    if (PROFILE_DIR) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      for (const scenario of scenarios) {
        const file = path.join(PROFILE_DIR, `${scenario.path.replace(/[^\w]+/g, '-').replace(/^-|-$/g, '')}.cpuprofile`);
        const { profile } = await profileWhile(file, () => drive(scenario.vigie, scenario.connections, PROFILE_SECONDS));
        process.stderr.write(formatSummary(`${scenario.path} → ${file}`, summarizeProfile(profile)) + '\n');
      }
    }
  } finally {
    if (ceiling) await new Promise((resolve) => ceiling!.close(resolve));
    await api.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});

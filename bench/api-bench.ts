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
 * BENCH_PROFILE_SECONDS (one
 * .cpuprofile per path, summary on stderr).
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type autocannon from 'autocannon';
import { pino } from 'pino';
import { adminBootstrapper, tokenMinter, userCreator } from '../src/actions/users.js';
import type { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { createPostgresPool, postgresPrisma, postgresRunner } from '../src/db/postgres.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/app.js';
import { CEILING_AUDIT_TABLE_SQL, ceilingServer } from './support/api-ceilings.js';
import { adminStatement, benchDatabaseUrl } from './support/bench-database.js';
import { formatSummary, profileWhile, summarizeProfile } from './support/cpu-profile.js';
import { drive, loadAverage, median, medianFigures, round, type Figures } from './support/load-runner.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const COMMAND_CONNECTIONS = Number(process.env.BENCH_COMMAND_CONNECTIONS ?? 50);
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const PROFILE_SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? SECONDS);
const DATABASE_NAME = `vigie_bench_${process.pid}`;

/** One measured path: Vigie's request and its same-work ceiling's. */
interface Scenario {
  path: string;
  connections: number;
  vigie: autocannon.Options;
  ceiling: autocannon.Options;
  /** The floor of issue #18 for this path. */
  floor: { ratio: number; ratioToBareJson?: number; p99Ms?: number };
}

const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function listen(server: Server): Promise<void> {
  if (server.listening) return;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

async function main(): Promise<void> {
  await adminStatement(`CREATE DATABASE ${DATABASE_NAME}`);
  // The database is assembled here (as openDatabase does) to hand the ceiling the very same pool.
  const pool = createPostgresPool(benchDatabaseUrl(DATABASE_NAME), 20);
  const prisma = postgresPrisma(pool);
  const database: Database = {
    backend: 'postgres',
    prisma,
    sql: postgresRunner(pool),
    ping: async () => void (await pool.query('SELECT 1')),
    close: async () => {
      await prisma.$disconnect().catch(() => undefined);
      await pool.end();
    },
  };
  await migrate(database.sql);
  // The real logger (one JSON line per request) into /dev/null: its cost is part of the figure.
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const app = createApp({
    config: {
      BODY_LIMIT: '1mb',
      RATE_LIMIT_TOKEN_PER_MINUTE: 100_000_000,
      RATE_LIMIT_IP_PER_MINUTE: 100_000_000,
      METRICS_TOKEN: undefined,
      TRUST_PROXY: undefined,
      SHUTDOWN_TIMEOUT_MS: 5_000,
    },
    database,
    logger,
  });
  let ceiling: Server | undefined;
  try {
    await adminBootstrapper(database.prisma, app.context.audit, `vig_bench_admin_${process.pid}_${Date.now()}_padding`);
    const system = { userId: '', userName: 'bench', channel: 'system' as const };
    const user = await userCreator(database.prisma, app.context.audit, system, { name: 'bench-operator', role: 'operator' });
    const { token } = await tokenMinter(database.prisma, app.context.audit, system, user.id, { name: 'bench', role: 'operator' });
    const principal = { userId: user.id, userName: user.name, role: 'operator' as const, tokenId: null };
    await database.sql.query(
      `INSERT INTO conversations (id, title, description, owner_id, created_at, updated_at)
       SELECT gen_random_uuid(), 'Bench conversation ' || g, 'seeded by bench/api-bench.ts', $1::uuid,
              now() - g * interval '1 second', now()
       FROM generate_series(1, $2::int) AS g`,
      [user.id, ROWS],
    );
    await database.sql.exec(`ANALYZE conversations; ${CEILING_AUDIT_TABLE_SQL}`);
    await app.tools.start();
    const status = app.tools.registry.get('system_status');
    if (!status) throw new Error('system_status is not registered');
    ceiling = ceilingServer(pool, principal, status.tool);
    await listen(app.server);
    await listen(ceiling);

    const api = url(app.server);
    const bare = url(ceiling);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const createBody = JSON.stringify({ title: 'Bench created', context: { site: 'DLA-1' } });
    const commandBody = JSON.stringify({ text: 'status' });
    const json = { url: `${bare}/json` };
    const scenarios: Scenario[] = [
      { path: 'GET /api/conversations', connections: CONNECTIONS, vigie: { url: `${api}/api/conversations?limit=20`, headers }, ceiling: { url: `${bare}/list?limit=20` }, floor: { ratio: 0.7, ratioToBareJson: 0.35, p99Ms: 50 } },
      { path: 'POST /api/conversations', connections: CONNECTIONS, vigie: { url: `${api}/api/conversations`, method: 'POST', headers, body: createBody }, ceiling: { url: `${bare}/create`, method: 'POST', headers, body: createBody }, floor: { ratio: 0.6 } },
      { path: 'POST /api/commands (status)', connections: COMMAND_CONNECTIONS, vigie: { url: `${api}/api/commands`, method: 'POST', headers, body: commandBody }, ceiling: { url: `${bare}/command`, method: 'POST', headers, body: commandBody }, floor: { ratio: 0.5, p99Ms: 30 } },
    ];

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
    await app.close().catch(() => undefined);
    if (ceiling) await new Promise((resolve) => ceiling!.close(resolve));
    await app.context.audit.flush().catch(() => undefined);
    await database.close();
    await adminStatement(`DROP DATABASE IF EXISTS ${DATABASE_NAME} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});

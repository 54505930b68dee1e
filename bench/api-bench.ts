/**
 * `npm run bench:api`: the REST API's throughput and latency on PostgreSQL, against a bare
 * Express JSON route measured in the same run (the ceiling), so noisy shared machines still
 * give a meaningful ratio. Prints ONE JSON line.
 *
 * It creates its own database (vigie_bench_<pid>) next to DATABASE_URL's and drops it at the
 * end, seeds 10k conversations for one user in a single INSERT, then drives 50 connections
 * for BENCH_SECONDS (10) per scenario: GET /api/conversations?limit=20, POST
 * /api/conversations and GET /ceiling on a bare Express app.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { pino } from 'pino';
import { adminBootstrapper, tokenMinter, userCreator } from '../src/actions/users.js';
import { openMigratedDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { createApp } from '../src/server/app.js';
import { adminStatement, benchDatabaseUrl } from './support/bench-database.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const DATABASE_NAME = `vigie_bench_${process.pid}`;
const FLOOR = { getRequestsPerSecond: 2000, getP99Ms: 50 };

/** One scenario's figures. */
interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(options: autocannon.Options): Promise<Figures> {
  // The load generator runs in its own worker thread, so it does not share the server's event loop.
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, workers: 1, ...options });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  await adminStatement(`CREATE DATABASE ${DATABASE_NAME}`);
  const { database } = await openMigratedDatabase({ backend: 'postgres', url: benchDatabaseUrl(DATABASE_NAME), poolSize: 20 });
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
  const ceilingApp = express();
  ceilingApp.use(express.json());
  ceilingApp.get('/ceiling', (_request, response) => {
    response.json({ data: [{ id: 'ceiling', title: 'bare express' }], nextCursor: null });
  });
  const ceilingServer = ceilingApp.listen(0, '127.0.0.1');
  try {
    await adminBootstrapper(database.prisma, app.context.audit, `vig_bench_admin_${process.pid}_${Date.now()}_padding`);
    const system = { userId: '', userName: 'bench', channel: 'system' as const };
    const user = await userCreator(database.prisma, app.context.audit, system, { name: 'bench-operator', role: 'operator' });
    const { token } = await tokenMinter(database.prisma, app.context.audit, system, user.id, { name: 'bench', role: 'operator' });

    const seedStarted = performance.now();
    await database.sql.query(
      `INSERT INTO conversations (id, title, description, owner_id, created_at, updated_at)
       SELECT gen_random_uuid(), 'Bench conversation ' || g, 'seeded by bench/api-bench.ts', $1::uuid,
              now() - g * interval '1 second', now()
       FROM generate_series(1, $2::int) AS g`,
      [user.id, ROWS],
    );
    await database.sql.exec('ANALYZE conversations');
    const seedMs = Math.round(performance.now() - seedStarted);

    const apiUrl = await listen(app.server);
    const ceilingUrl = `http://127.0.0.1:${(ceilingServer.address() as AddressInfo).port}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // Short warm-up of each path (JIT, connection pool, auth cache), not measured.
    await autocannon({ url: `${ceilingUrl}/ceiling`, connections: 10, duration: 1 });
    await autocannon({ url: `${apiUrl}/api/conversations?limit=20`, headers, connections: 10, duration: 2 });

    const ceiling = await load({ url: `${ceilingUrl}/ceiling` });
    const list = await load({ url: `${apiUrl}/api/conversations?limit=20`, headers });
    const create = await load({
      url: `${apiUrl}/api/conversations`,
      method: 'POST',
      headers,
      body: JSON.stringify({ title: 'Bench created', context: { site: 'DLA-1' } }),
    });
    const ratio = (figures: Figures) => Math.round((figures.requestsPerSecond / ceiling.requestsPerSecond) * 1000) / 1000;
    const line = {
      suite: 'api',
      backend: database.backend,
      connections: CONNECTIONS,
      durationSeconds: SECONDS,
      seededConversations: ROWS,
      seedMs,
      ceiling,
      getConversations: { ...list, ratioToCeiling: ratio(list) },
      postConversations: { ...create, ratioToCeiling: ratio(create) },
      floor: {
        ...FLOOR,
        met: list.requestsPerSecond >= FLOOR.getRequestsPerSecond && list.p99Ms < FLOOR.getP99Ms && list.non2xx === 0,
      },
    };
    process.stdout.write(JSON.stringify(line) + '\n');
  } finally {
    await app.close().catch(() => undefined);
    await new Promise((resolve) => ceilingServer.close(resolve));
    await app.context.audit.flush().catch(() => undefined);
    await database.close();
    await adminStatement(`DROP DATABASE IF EXISTS ${DATABASE_NAME} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});

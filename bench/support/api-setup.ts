/**
 * The server under test of the REST benches (bench:api, bench:api-soak): the real core and app
 * on a throwaway PostgreSQL database next to DATABASE_URL's (the openBenchDatabase fixture),
 * the real logger into /dev/null, rate limits raised, one operator and its token, and ROWS
 * seeded conversations. The pg pool is exposed so the same-SQL ceilings run on the very same
 * connections.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { pino } from 'pino';
import { adminBootstrapper, tokenMinter, userCreator } from '../../src/actions/users.js';
import type { Principal } from '../../src/auth/principal.js';
import { buildCoreServices } from '../../src/core/core-services-builder.js';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { createApp, type App } from '../../src/server/app.js';
import { openBenchDatabase } from './bench-database.js';

/** A running app with its database, pool, operator token and base URL. */
export interface ApiUnderTest {
  app: App;
  database: Database;
  pool: pg.Pool;
  token: string;
  principal: Principal;
  url: string;
  close(): Promise<void>;
}

/** The base URL of a listening server. */
export const serverUrl = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Listens on a free loopback port (no-op when already listening). */
export async function listen(server: Server): Promise<void> {
  if (server.listening) return;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

/** Opens a bench database (`openBenchDatabase`, prefix `prefix`), seeds `rows` conversations and starts the app over the core. */
export async function startApiUnderTest(prefix: string, rows: number): Promise<ApiUnderTest> {
  // The fixture hands over its pg pool: the ceilings run on the very same connections.
  const bench = await openBenchDatabase(prefix, { poolSize: 20 });
  const { database, pool } = bench;
  if (!pool) throw new Error('the REST benches run on PostgreSQL (DATABASE_URL or the default server)');
  // The real logger (one JSON line per request) into /dev/null: its cost is part of the figure.
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  // The core as src/main.ts builds it (buildCoreServices), then the app over it.
  const core = buildCoreServices({
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
  const app = createApp({ core });
  const close = async () => {
    await app.close().catch(() => undefined);
    await core.close().catch(() => undefined);
    await bench.close();
  };
  try {
    await adminBootstrapper(database.prisma, app.context.audit, `vig_bench_admin_${process.pid}_${Date.now()}_padding`);
    const system = { userId: '', userName: 'bench', channel: 'system' as const };
    const user = await userCreator(database.prisma, app.context.audit, system, { name: 'bench-operator', role: 'operator' });
    const { token } = await tokenMinter(database.prisma, app.context.audit, system, user.id, { name: 'bench', role: 'operator' });
    await database.sql.query(
      `INSERT INTO conversations (id, title, description, owner_id, created_at, updated_at)
       SELECT gen_random_uuid(), 'Bench conversation ' || g, 'seeded by the REST benches', $1::uuid,
              now() - g * interval '1 second', now()
       FROM generate_series(1, $2::int) AS g`,
      [user.id, rows],
    );
    await database.sql.exec('ANALYZE conversations');
    await app.tools.start();
    await listen(app.server);
    const principal: Principal = { userId: user.id, userName: user.name, role: 'operator', tokenId: null };
    return { app, database, pool, token, principal, url: serverUrl(app.server), close };
  } catch (error) {
    await close();
    throw error;
  }
}

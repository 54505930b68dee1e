/**
 * Benchmarks run on their own throwaway PostgreSQL database next to DATABASE_URL's, so they
 * never touch data of the tests or of other runs: `openBenchDatabase` is the one fixture that
 * creates, migrates and drops it (or opens embedded PGlite for the benches that allow it), for
 * the REST benches' server (bench/support/api-setup.ts) as for the engine benches.
 */
import pg from 'pg';
import { openMigratedDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrator.js';
import { createPostgresPool, postgresPrisma, postgresRunner } from '../../src/db/postgres.js';

/** The server benchmarks connect to (its `test` database is only used to create others). */
export const BENCH_BASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** The URL of database `name` on the same server. */
export function benchDatabaseUrl(name: string): string {
  const url = new URL(BENCH_BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement (CREATE/DROP DATABASE) on a short-lived connection. */
export async function adminStatement(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_BASE_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A benchmark's database: its own PostgreSQL database (dropped by `close`), or embedded PGlite. */
export interface BenchDatabase {
  database: Database;
  backend: 'postgres' | 'pglite';
  /** The PostgreSQL database's name; null on PGlite. */
  name: string | null;
  /** The pg pool behind `database` (PostgreSQL), so same-SQL ceilings run on the very same connections; null on PGlite. */
  pool: pg.Pool | null;
  /** True when a kept database of an earlier run was reopened (see `keep`). */
  reused: boolean;
  /** Closes the database and drops it (PostgreSQL, unless kept), even after a failed run. */
  close(): Promise<void>;
}

/** How a benchmark wants its database. */
export interface BenchDatabaseOptions {
  poolSize?: number;
  /** Without DATABASE_URL, embedded PGlite in memory instead of the default server. */
  embeddedWithoutUrl?: boolean;
  /**
   * Profiling (BENCH_KEEP=1): the database is named `prefix` exactly and kept after close; the
   * next run reopens it when `reusable` says its data is still right, else drops and recreates it.
   */
  keep?: { reusable(database: Database): Promise<boolean> };
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: BENCH_BASE_URL });
  await client.connect();
  try {
    return ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** Opens and migrates database `name` over a pool of our own (the Database that openDatabase builds, with its pool in hand). */
async function openPostgres(name: string, poolSize: number): Promise<{ database: Database; pool: pg.Pool }> {
  const pool = createPostgresPool(benchDatabaseUrl(name), poolSize);
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
  try {
    await migrate(database.sql);
  } catch (error) {
    await database.close();
    throw error;
  }
  return { database, pool };
}

/**
 * The one place benchmarks get a migrated database: a fresh `<prefix>_<pid>_<time>` database
 * next to DATABASE_URL's (the default server when unset), or, with `embeddedWithoutUrl` and
 * no DATABASE_URL, embedded PGlite in memory.
 */
export async function openBenchDatabase(prefix: string, options: BenchDatabaseOptions = {}): Promise<BenchDatabase> {
  if (options.embeddedWithoutUrl && !process.env.DATABASE_URL) {
    const { database } = await openMigratedDatabase({ backend: 'pglite' });
    return { database, backend: 'pglite', name: null, pool: null, reused: false, close: () => database.close() };
  }
  const poolSize = options.poolSize ?? 10;
  const keep = options.keep;
  const name = keep ? prefix : `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const close = (database: Database) => async () => {
    await database.close();
    if (!keep) await adminStatement(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  };
  if (keep && (await databaseExists(name))) {
    const opened = await openPostgres(name, poolSize);
    if (await keep.reusable(opened.database)) return { ...opened, backend: 'postgres', name, reused: true, close: close(opened.database) };
    await opened.database.close();
  }
  await adminStatement(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminStatement(`CREATE DATABASE ${name}`);
  const opened = await openPostgres(name, poolSize);
  return { ...opened, backend: 'postgres', name, reused: false, close: close(opened.database) };
}

/**
 * Benchmarks run on their own throwaway PostgreSQL database next to DATABASE_URL's, so they
 * never touch data of the tests or of other runs: `openBenchDatabase` is the one fixture that
 * creates, migrates and drops it (or opens embedded PGlite for the benches that allow it).
 */
import pg from 'pg';
import { openMigratedDatabase, type Database } from '../../src/db/database.js';

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
  /** Closes the database and drops it (PostgreSQL), even after a failed run. */
  close(): Promise<void>;
}

/**
 * The one place benchmarks get a migrated database: a fresh `<prefix>_<pid>_<time>` database
 * next to DATABASE_URL's (the default server when unset), or, with `embeddedWithoutUrl` and
 * no DATABASE_URL, embedded PGlite in memory.
 */
export async function openBenchDatabase(
  prefix: string,
  options: { poolSize?: number; embeddedWithoutUrl?: boolean } = {},
): Promise<BenchDatabase> {
  if (options.embeddedWithoutUrl && !process.env.DATABASE_URL) {
    const { database } = await openMigratedDatabase({ backend: 'pglite' });
    return { database, backend: 'pglite', name: null, close: () => database.close() };
  }
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  await adminStatement(`DROP DATABASE IF EXISTS ${name}`);
  await adminStatement(`CREATE DATABASE ${name}`);
  const { database } = await openMigratedDatabase({ backend: 'postgres', url: benchDatabaseUrl(name), poolSize: options.poolSize ?? 10 });
  return {
    database,
    backend: 'postgres',
    name,
    async close() {
      await database.close();
      await adminStatement(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * Benchmarks run on their own throwaway PostgreSQL database next to DATABASE_URL's, so they
 * never touch data of the tests or of other runs.
 */
import pg from 'pg';

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

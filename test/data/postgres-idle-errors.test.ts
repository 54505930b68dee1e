/**
 * An idle pooled PostgreSQL connection that the server ends (restart, administrator) must not
 * crash the process and must not pass unseen: createPostgresPool hands the error to its
 * listener, or writes one line to stderr without one, and the pool goes on with a new
 * connection. Skipped without DATABASE_URL; only connections named by this test are ended.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createPostgresPool } from '../../src/db/postgres.js';

const baseUrl = process.env.DATABASE_URL;

/** DATABASE_URL with an application name of its own, so the test ends only its own connections. */
function namedUrl(): { url: string; name: string } {
  const name = `vigie_idle_${randomBytes(4).toString('hex')}`;
  const url = new URL(baseUrl!);
  url.searchParams.set('application_name', name);
  return { url: url.toString(), name };
}

async function endConnections(applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const result = await client.query<{ ended: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return result.rows.filter((row) => row.ended).length;
  } finally {
    await client.end();
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('idle PostgreSQL connection failures', { skip: baseUrl ? false : 'DATABASE_URL not set', timeout: 60_000 }, () => {
  it('reach the listener, and the pool serves the next query on a new connection', async () => {
    const { url, name } = namedUrl();
    const heard: Error[] = [];
    const pool = createPostgresPool(url, 2, (error) => heard.push(error));
    try {
      const before = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      assert.equal(await endConnections(name), 1);
      await until(() => heard.length > 0, 'the listener');
      assert.match(heard[0]!.message, /terminating connection due to administrator command/);
      const after = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      assert.notEqual(after, before);
    } finally {
      await pool.end();
    }
  });

  it('write one line to stderr when nobody listens, with no connection string in it', async () => {
    const { url, name } = namedUrl();
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    const pool = createPostgresPool(url, 1);
    try {
      await pool.query('SELECT 1');
      assert.equal(await endConnections(name), 1);
      await until(() => written.some((line) => line.includes('an idle database connection failed')), 'the stderr line');
      const line = written.find((entry) => entry.includes('an idle database connection failed'))!;
      assert.match(line, /^vigie: an idle database connection failed \(the pool replaces it\): terminating connection/);
      assert.doesNotMatch(line, /postgres(ql)?:\/\//);
      assert.equal((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1);
    } finally {
      process.stderr.write = write;
      await pool.end();
    }
  });
});

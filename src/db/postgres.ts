/**
 * PostgreSQL backend: one pg Pool shared by Prisma (through @prisma/adapter-pg) and our
 * own raw SQL, so there is one set of connections to size and to close.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { TRANSACTION_OPTIONS, type SqlRunner } from './sql-runner.js';

/** Told when an idle pooled connection fails (the server restarted, an administrator ended it). */
export type ConnectionErrorListener = (error: Error) => void;

/** Writes the failure of an idle connection to stderr, for callers without a logger (CLI, benches). */
const writeConnectionError: ConnectionErrorListener = (error) =>
  void process.stderr.write(`vigie: an idle database connection failed (the pool replaces it): ${error.message}\n`);

/**
 * Opens a pool against DATABASE_URL. An idle client losing its connection must not crash the
 * process (the pool replaces it), and must not pass unseen either: `onConnectionError` hears of it.
 */
export function createPostgresPool(url: string, maxConnections: number, onConnectionError = writeConnectionError): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, idleTimeoutMillis: 30_000 });
  pool.on('error', (error) => onConnectionError(error));
  return pool;
}

/** A SqlRunner over a pg pool. */
export function postgresRunner(pool: pg.Pool): SqlRunner {
  // Statement names by text: hashing the text once, not on every call of a hot statement.
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (!name) {
      name = `vigie_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
      if (names.size >= 1_000) names.clear();
      names.set(sql, name);
    }
    return name;
  };
  return {
    async exec(sql) {
      await pool.query(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as Row[];
    },
    async queryPrepared<Row>(sql: string, params: unknown[] = []) {
      // The name is the text's digest: pg prepares it once per pooled connection.
      return (await pool.query({ name: nameOf(sql), text: sql, values: params })).rows as Row[];
    },
    async script(statements, lockKey) {
      if (!Number.isSafeInteger(lockKey)) throw new TypeError('script lock key must be an integer');
      // Several statements in one simple query run as one implicit transaction, rolled back on any error.
      const results = (await pool.query([`SELECT pg_advisory_xact_lock(${lockKey})`, ...statements].join(';\n'))) as unknown as
        pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(results) ? results : [results]).slice(1).map((result) => result.rows as unknown[]);
    },
    async transaction(work, lockKey) {
      const client = await pool.connect();
      // A connection lost while checked out (between statements) emits 'error' on the client,
      // not the pool: kept here (the next statement fails with it) instead of crashing the process.
      let lost: Error | undefined;
      const onError = (error: Error) => (lost = error);
      client.on('error', onError);
      try {
        // BEGIN and the lock in one round trip (simple protocol; the key is a checked integer).
        if (lockKey === undefined) await client.query('BEGIN');
        else if (Number.isSafeInteger(lockKey)) await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${lockKey})`);
        else throw new TypeError('transaction lock key must be an integer');
        const result = await work({
          exec: async (sql) => void (await client.query(sql)),
          query: async <Row>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as Row[],
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', onError);
        // A broken connection is destroyed rather than handed to the next caller.
        client.release(lost);
      }
    },
  };
}

/** A Prisma client whose queries run on the given pool. */
export function postgresPrisma(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: TRANSACTION_OPTIONS });
}

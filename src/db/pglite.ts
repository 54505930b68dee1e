/**
 * Embedded backend: PGlite (PostgreSQL compiled to WebAssembly) with pgvector, persisted
 * under DATA_DIR/pglite, so a fresh machine runs Vigie with no database server at all.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { TRANSACTION_OPTIONS, type SqlRunner } from './sql-runner.js';

/** Where to keep the data: a directory, or nothing for an in-memory database (tests). */
export interface PgliteOptions {
  dataDir?: string;
  /** A tarball from `dumpDataDir()`, to start from a migrated template (tests). */
  loadDataDir?: Blob | File;
  /** PostgreSQL's shared_buffers inside the WebAssembly heap (default 16MB, see below). */
  sharedBuffers?: string;
}

/**
 * PGlite's default shared_buffers (128MB) is touched at open and stays resident: 16MB halves
 * the process's idle memory and opens about a third faster, and one embedded connection
 * with the OS page cache beneath needs no more (measured in docs/performance.md).
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

/** Opens (creating if needed) an embedded database with the vector extension loaded. */
export async function openPglite(options: PgliteOptions): Promise<PGlite> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const database = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    // pg_trgm and unaccent: French-aware, typo-tolerant service search (issue 8).
    extensions: { vector, pg_trgm, unaccent },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers ?? PGLITE_SHARED_BUFFERS}`],
  });
  return database;
}

/** A SqlRunner over PGlite; PGlite is one connection whose transactions run exclusively. */
export function pgliteRunner(database: PGlite): SqlRunner {
  return {
    async exec(sql) {
      await database.exec(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await database.query<Row>(sql, params)).rows;
    },
    transaction(work) {
      return database.transaction((tx) =>
        work({
          exec: async (sql) => void (await tx.exec(sql)),
          query: async <Row>(sql: string, params: unknown[] = []) => (await tx.query<Row>(sql, params)).rows,
        }),
      );
    },
  };
}

/** A Prisma client running on the embedded database. */
export function pglitePrisma(database: PGlite): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPGlite(database), transactionOptions: TRANSACTION_OPTIONS });
}

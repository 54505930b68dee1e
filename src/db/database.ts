/**
 * Opens the configured database: PostgreSQL when DATABASE_URL is set, else embedded PGlite
 * under DATA_DIR/pglite. Callers get a Prisma client, a raw SQL runner and one close().
 */
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PrismaClient } from '../generated/prisma/client.js';
import { migrate, type MigrationReport } from './migrator.js';
import { acquirePgliteLock } from './pglite-lock.js';
import { grantRuntimeRole, urlUser } from './runtime-role.js';
import type { ConnectionErrorListener } from './postgres.js';
import type { SqlRunner } from './sql-runner.js';

/** Which engine is behind the database; shown on /health. */
export type Backend = 'postgres' | 'pglite';

/** An open database: Prisma for the model, raw SQL for vectors, locks and migrations. */
export interface Database {
  backend: Backend;
  prisma: PrismaClient;
  sql: SqlRunner;
  /** Cheap liveness probe used by /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How to open a database. */
export type DatabaseOptions =
  | { backend: 'postgres'; url: string; poolSize?: number; onConnectionError?: ConnectionErrorListener }
  | { backend: 'pglite'; dataDir?: string; loadDataDir?: Blob | File; sharedBuffers?: string };

/** Derives database options from configuration. */
export function databaseOptionsFromConfig(config: {
  DATABASE_URL?: string | undefined;
  DATABASE_POOL_SIZE: number;
  dataDir: string;
  PGLITE_SHARED_BUFFERS?: string | undefined;
}): DatabaseOptions {
  return config.DATABASE_URL
    ? { backend: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }
    : {
        backend: 'pglite',
        dataDir: path.join(config.dataDir, 'pglite'),
        ...(config.PGLITE_SHARED_BUFFERS ? { sharedBuffers: config.PGLITE_SHARED_BUFFERS } : {}),
      };
}

/** Opens the database; it is not migrated yet (see openMigratedDatabase). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  // Each backend's driver is imported when it is used: pg (and its Prisma adapter) on
  // PostgreSQL, PGlite's WebAssembly build on the embedded backend, never both (issue 17).
  if (options.backend === 'postgres') {
    const { createPostgresPool, postgresPrisma, postgresRunner } = await import('./postgres.js');
    const pool = createPostgresPool(options.url, options.poolSize ?? 10, options.onConnectionError);
    const prisma = postgresPrisma(pool);
    const sql = postgresRunner(pool);
    return {
      backend: 'postgres',
      prisma,
      sql,
      ping: async () => void (await pool.query('SELECT 1')),
      async close() {
        await prisma.$disconnect().catch(() => undefined);
        await pool.end();
      },
    };
  }
  const { openPglite, pglitePrisma, pgliteRunner } = await import('./pglite.js');
  // A second process on the same files would corrupt them: refuse it (see pglite-lock.ts).
  const lock = options.dataDir ? acquirePgliteLock(options.dataDir) : undefined;
  let embedded: PGlite;
  try {
    embedded = await openPglite(options);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const prisma = pglitePrisma(embedded);
  const sql = pgliteRunner(embedded);
  return {
    backend: 'pglite',
    prisma,
    sql,
    ping: async () => void (await embedded.query('SELECT 1')),
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      try {
        if (!embedded.closed) await embedded.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Migrates as the owner (MIGRATION_DATABASE_URL) and grants the runtime role of `runtimeUrl`
 * its restricted rights (runtime-role.ts); the owner connection is closed before returning.
 */
export async function migrateAsOwner(migrationUrl: string, runtimeUrl: string): Promise<MigrationReport> {
  const owner = await openDatabase({ backend: 'postgres', url: migrationUrl, poolSize: 2 });
  try {
    const report = await migrate(owner.sql);
    const role = urlUser(runtimeUrl);
    const [me] = await owner.sql.query<{ name: string }>('SELECT current_user AS name');
    if (role && role !== me?.name) await grantRuntimeRole(owner.sql, role);
    return report;
  } finally {
    await owner.close();
  }
}

/** Opens and migrates: what start-up and the CLI use (as the owner of `migrationUrl` when given, PostgreSQL only). */
export async function openMigratedDatabase(
  options: DatabaseOptions,
  autoMigrate = true,
  migrationUrl?: string,
): Promise<{ database: Database; migrations?: MigrationReport }> {
  if (autoMigrate && migrationUrl && options.backend === 'postgres') {
    const migrations = await migrateAsOwner(migrationUrl, options.url);
    return { database: await openDatabase(options), migrations };
  }
  const database = await openDatabase(options);
  if (!autoMigrate) return { database };
  try {
    const migrations = await migrate(database.sql);
    return { database, migrations };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

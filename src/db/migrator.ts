/**
 * Applies prisma/migrations on either backend without Prisma's native schema engine (which
 * these machines cannot download). It keeps Prisma's own bookkeeping table, so a user with
 * the Prisma CLI can take over the same database with `prisma migrate deploy`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlRunner } from './sql-runner.js';

/** The folder holding Prisma-format migrations, from src/ (tsx) and dist/ alike. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** Prisma's advisory lock key, so our migrator and Prisma's never run at once. */
const MIGRATION_LOCK_KEY = 72707369;

/** What a run did, for logs and the CLI. */
export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
  /** Migrations whose file changed after it was applied; never re-run, reported. */
  modified: string[];
}

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
);`;

/** Lists migration folders in application order with their SQL and checksum. */
export async function readMigrations(directory = MIGRATIONS_DIR) {
  const entries = await readdir(directory, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(directory, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/** Applies every pending migration, each in its own transaction under the migration lock. */
export async function migrate(runner: SqlRunner, directory = MIGRATIONS_DIR): Promise<MigrationReport> {
  const migrations = await readMigrations(directory);
  // Every restart of an up-to-date database: one read instead of a locked transaction per
  // migration (issue 17). Anything pending goes the locked way below, which re-checks each.
  const upToDate = await alreadyApplied(runner, migrations);
  if (upToDate) return upToDate;
  await runner.transaction((tx) => tx.exec(BOOKKEEPING), MIGRATION_LOCK_KEY);
  const report: MigrationReport = { applied: [], alreadyApplied: 0, modified: [] };
  for (const migration of migrations) {
    const outcome = await runner
      .transaction(async (tx) => {
        // Re-read under the lock: another node may have applied it meanwhile.
        const rows = await tx.query<{ checksum: string }>(
          'SELECT checksum FROM "_prisma_migrations" WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL',
          [migration.name],
        );
        if (rows[0]) return rows[0].checksum === migration.checksum ? 'done' : 'modified';
        await tx.exec(migration.sql);
        await tx.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        return 'applied';
      }, MIGRATION_LOCK_KEY)
      .catch((error: unknown) => {
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      });
    if (outcome === 'applied') report.applied.push(migration.name);
    else {
      report.alreadyApplied += 1;
      if (outcome === 'modified') report.modified.push(migration.name);
    }
  }
  return report;
}

/**
 * The report of a run with nothing to apply, read without the lock; undefined when the
 * bookkeeping table is missing or some migration is not applied yet.
 */
async function alreadyApplied(runner: SqlRunner, migrations: { name: string; checksum: string }[]): Promise<MigrationReport | undefined> {
  const [table] = await runner.query<{ present: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS present`);
  if (!table?.present) return undefined;
  const rows = await runner.query<{ migration_name: string; checksum: string }>(
    'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
  if (!migrations.every((migration) => applied.has(migration.name))) return undefined;
  const modified = migrations.filter((migration) => applied.get(migration.name) !== migration.checksum).map((migration) => migration.name);
  return { applied: [], alreadyApplied: migrations.length, modified };
}

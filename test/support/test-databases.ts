/**
 * Real databases for tests. Every data test runs on embedded PGlite and, when DATABASE_URL
 * is set, on PostgreSQL too. Both start from a migrated template prepared once per run by
 * scripts/run-tests.ts: PGlite loads a dump of it, PostgreSQL clones it with CREATE DATABASE
 * … TEMPLATE, so each test file gets its own fresh, isolated database in well under a second.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { openDatabase, openMigratedDatabase, type Backend, type Database } from '../../src/db/database.js';

/** A backend the suite can run on. */
export interface TestBackend {
  name: Backend;
  /** A fresh, migrated, empty database; close() also drops it. */
  open(): Promise<Database>;
}

function adminUrl(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function openPostgresClone(url: string, template: string | undefined): Promise<Database> {
  const name = `${process.env.VIGIE_TEST_DB_PREFIX ?? 'vigie_test_adhoc'}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = adminUrl(url, name);
  const { database } = template
    ? { database: await openDatabase({ backend: 'postgres', url: databaseUrl, poolSize: 5 }) }
    : await openMigratedDatabase({ backend: 'postgres', url: databaseUrl, poolSize: 5 });
  const close = database.close.bind(database);
  return Object.assign(database, {
    async close() {
      await close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await dropper.end();
    },
  });
}

async function openPgliteCopy(): Promise<Database> {
  const dumpPath = process.env.VIGIE_TEST_PGLITE_TEMPLATE;
  if (dumpPath && existsSync(dumpPath)) {
    return openDatabase({ backend: 'pglite', loadDataDir: new Blob([readFileSync(dumpPath)]) });
  }
  return (await openMigratedDatabase({ backend: 'pglite' })).database;
}

/** The backends available in this run: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [{ name: 'pglite', open: openPgliteCopy }];
  const url = process.env.DATABASE_URL;
  if (url) backends.push({ name: 'postgres', open: () => openPostgresClone(url, process.env.VIGIE_TEST_PG_TEMPLATE) });
  return backends;
}

/** The PostgreSQL backend alone (tests that need several connections), or null. */
export function postgresBackend(): TestBackend | null {
  return testBackends().find((backend) => backend.name === 'postgres') ?? null;
}

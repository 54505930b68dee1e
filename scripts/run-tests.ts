/**
 * `npm test`: prepares migrated database templates once (PGlite always, PostgreSQL when
 * DATABASE_URL is set), says clearly what will be skipped, then runs every *.test.ts file
 * with node's test runner.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrator.js';
import { openPglite, pgliteRunner } from '../src/db/pglite.js';
import { openDatabase } from '../src/db/database.js';

const root = path.resolve(import.meta.dirname, '..');
const cacheDir = path.join(root, '.cache', 'test');
mkdirSync(cacheDir, { recursive: true });

function findTests(directory: string, found: string[] = []): string[] {
  for (const item of readdirSync(directory, { withFileTypes: true })) {
    if (item.name === 'node_modules' || item.name === 'generated' || item.name.startsWith('.')) continue;
    const full = path.join(directory, item.name);
    if (item.isDirectory()) findTests(full, found);
    else if (item.name.endsWith('.test.ts')) found.push(full);
  }
  return found;
}

async function preparePgliteTemplate(): Promise<string> {
  const database = await openPglite({});
  await migrate(pgliteRunner(database));
  const dump = await database.dumpDataDir('none');
  await database.close();
  const file = path.join(cacheDir, `pglite-template-${process.pid}.tar`);
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  return file;
}

/** Databases of this run share a prefix, so concurrent runs on one server never touch each other's. */
const RUN_PREFIX = `vigie_test_${process.pid}_${Date.now().toString(36)}`;

async function preparePostgresTemplate(url: string): Promise<string> {
  const name = `${RUN_PREFIX}_template`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  const database = await openDatabase({ backend: 'postgres', url: target.toString(), poolSize: 1 });
  try {
    await migrate(database.sql);
  } finally {
    await database.close();
  }
  return name;
}

/** Drops every database this run created (test files drop their own; this catches leftovers). */
async function dropRunDatabases(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const rows = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [RUN_PREFIX]);
  for (const row of rows.rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

const filter = process.argv.slice(2);
const files = findTests(path.join(root, 'src'))
  .concat(findTests(path.join(root, 'test')))
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();

const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', VIGIE_CHECK_TOOL_OUTPUT: process.env.VIGIE_CHECK_TOOL_OUTPUT ?? '1' };
const started = Date.now();
env.VIGIE_TEST_PGLITE_TEMPLATE = await preparePgliteTemplate();
if (process.env.DATABASE_URL) {
  env.VIGIE_TEST_PG_TEMPLATE = await preparePostgresTemplate(process.env.DATABASE_URL);
  env.VIGIE_TEST_DB_PREFIX = RUN_PREFIX;
}
console.log(`test: database templates ready in ${Date.now() - started} ms`);
console.log(`test: backends: PGlite${process.env.DATABASE_URL ? ' + PostgreSQL (DATABASE_URL)' : ''}`);
if (!process.env.DATABASE_URL)
  console.log('test: SKIPPED the PostgreSQL backend: set DATABASE_URL to run every data test on PostgreSQL too');
if (!process.env.REDIS_URL) console.log('test: SKIPPED Redis-backed tests (multi-node, shared rate limits): set REDIS_URL to run them');
console.log(`test: ${files.length} test files`);

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`, '--test-reporter=spec', ...files],
  { cwd: root, env, stdio: 'inherit' },
);
if (process.env.DATABASE_URL) await dropRunDatabases(process.env.DATABASE_URL);
rmSync(env.VIGIE_TEST_PGLITE_TEMPLATE, { force: true });
process.exit(result.status ?? 1);

/**
 * A real crash: a child process ingesting into PostgreSQL is SIGKILLed between commits. The
 * store must stay consistent (verify clean, every position linked, gc refusing), and the
 * same ingest must resume to a snapshot that restores bit for bit. PostgreSQL only: an
 * embedded PGlite database cannot be shared with a child process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConflictError } from '../../src/errors.js';
import { collectGarbage } from '../../src/tools/dedup/garbage-collector.js';
import { ingestTree } from '../../src/tools/dedup/ingest.js';
import { findSnapshot } from '../../src/tools/dedup/metadata-store.js';
import { restoreSnapshot } from '../../src/tools/dedup/restore.js';
import { verifyStore } from '../../src/tools/dedup/verify.js';
import { postgresBackend } from '../support/test-databases.js';
import { assertSameTree, closeDedupWorkspace, openDedupWorkspace, metadataLinksIntact, type DedupWorkspace } from './dedup-fixtures.js';

const backend = postgresBackend();

describe('dedup ingest killed mid-way (PostgreSQL)', { skip: backend ? false : 'set DATABASE_URL to run it', timeout: 180_000 }, () => {
  let { database, temporary, tree, settings } = {} as DedupWorkspace;
  let child: ChildProcess | null = null;

  before(async () => {
    ({ database, temporary, tree, settings } = await openDedupWorkspace(backend!, 'vigie-dedup-crash-', {
      packages: ['zod', 'pino', 'ioredis'],
    }));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await closeDedupWorkspace({ database, temporary });
  });

  it('stays consistent and resumes after SIGKILL', async () => {
    const [{ name }] = (await database.sql.query<{ name: string }>('SELECT current_database() AS name')) as [{ name: string }];
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'support', 'ingest-child.ts')], {
      env: { ...process.env, CHILD_DATABASE_URL: url.toString(), CHILD_DEDUP_DIR: settings.storeDirectory, CHILD_ROOT: tree },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const snapshot = await findSnapshot(database.sql, 'killed');
      if (snapshot && snapshot.fileCount > 0) break;
      if (Date.now() > deadline) assert.fail('the child never committed a batch');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGKILL');
    await exited;
    child = null;

    const killed = (await findSnapshot(database.sql, 'killed'))!;
    assert.equal(killed.status, 'running');
    await metadataLinksIntact(database);
    const verified = await verifyStore(database, settings, { snapshot: 'killed' });
    assert.equal(verified.ok, true, JSON.stringify(verified.issues.slice(0, 3)));
    await assert.rejects(collectGarbage(database, settings), ConflictError);

    const resumed = await ingestTree(database, settings, { root: tree, snapshot: 'killed' });
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.filesResumed, killed.fileCount);
    await metadataLinksIntact(database);
    const destination = path.join(temporary, 'restored');
    await restoreSnapshot(database, settings, { snapshot: 'killed', path: '', destination });
    assertSameTree(tree, destination);
    await collectGarbage(database, settings);
    assert.equal((await verifyStore(database, settings)).ok, true);
  });
});

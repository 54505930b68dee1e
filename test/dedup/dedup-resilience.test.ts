/**
 * Dedup store resilience on every backend: intact atom links under concurrent
 * overlapping ingests, gc never removing a referenced atom, an interrupted ingest leaving a
 * consistent and resumable store, and clear errors for bad inputs (nothing written).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../src/errors.js';
import { collectGarbage } from '../../src/tools/dedup/garbage-collector.js';
import { ingestTree } from '../../src/tools/dedup/ingest.js';
import { deleteSnapshot, findSnapshot } from '../../src/tools/dedup/metadata-store.js';
import { diffSnapshots } from '../../src/tools/dedup/queries.js';
import { restoreSnapshot } from '../../src/tools/dedup/restore.js';
import { verifyStore } from '../../src/tools/dedup/verify.js';
import { testBackends } from '../support/test-databases.js';
import { assertSameTree, closeDedupWorkspace, openDedupWorkspace, metadataLinksIntact, type DedupWorkspace } from './dedup-fixtures.js';

for (const backend of testBackends()) {
  describe(`dedup store resilience on ${backend.name}`, { timeout: 240_000 }, () => {
    let { database, temporary, tree, settings } = {} as DedupWorkspace;
    before(async () => {
      ({ database, temporary, tree, settings } = await openDedupWorkspace(backend, 'vigie-dedup-resilience-', { packages: ['zod'] }));
      await ingestTree(database, settings, { root: tree, snapshot: 'first' });
      await ingestTree(database, settings, { root: tree, snapshot: 'second' });
    });
    after(() => closeDedupWorkspace({ database, temporary }));

    it('keeps every atom link intact under concurrent overlapping ingests, and gc keeps referenced atoms', async () => {
      const left = path.join(temporary, 'left');
      const right = path.join(temporary, 'right');
      for (const side of [left, right]) fs.cpSync(path.join(tree, 'binary'), side, { recursive: true });
      fs.cpSync(path.join(tree, 'real/zod'), path.join(left, 'zod'), { recursive: true });
      fs.cpSync(path.join(tree, 'real/zod'), path.join(right, 'zod'), { recursive: true });
      const [one, two] = await Promise.all([
        ingestTree(database, settings, { root: left, snapshot: 'left', batchSize: 100 }),
        ingestTree(database, settings, { root: right, snapshot: 'right', batchSize: 100 }),
      ]);
      assert.equal(one.files, two.files);
      await metadataLinksIntact(database);

      for (const name of ['first', 'second', 'left']) await deleteSnapshot(database.sql, name);
      await metadataLinksIntact(database);
      const collected = await collectGarbage(database, settings);
      assert.ok(collected.atomsRemoved > 0);
      const verified = await verifyStore(database, settings);
      assert.equal(verified.ok, true, JSON.stringify(verified.issues.slice(0, 3)));
      const destination = path.join(temporary, 'restored-right');
      await restoreSnapshot(database, settings, { snapshot: 'right', path: '', destination });
      assertSameTree(right, destination);
      const [zero] = await database.sql.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM dedup_atoms a WHERE NOT EXISTS (SELECT 1 FROM dedup_file_atoms fa WHERE fa.atom_hash = a.hash)`,
      );
      assert.equal(zero!.count, 0);
    });

    it('leaves a consistent, resumable store when an ingest is interrupted mid-way', async () => {
      const controller = new AbortController();
      const crashRoot = path.join(tree, 'real');
      await assert.rejects(
        ingestTree(database, settings, {
          root: crashRoot,
          snapshot: 'crashed',
          batchSize: 50,
          signal: controller.signal,
          // Every file reports, so the abort lands after 200 files however fast the machine is.
          progressIntervalMs: 0,
          onProgress: (step) => {
            if (step.filesDone >= 200) controller.abort();
          },
        }),
        (error: unknown) => error instanceof AppError && error.code === 'aborted',
      );
      const interrupted = (await findSnapshot(database.sql, 'crashed'))!;
      assert.equal(interrupted.status, 'running');
      assert.ok(interrupted.fileCount > 0, 'some batches were committed');
      await metadataLinksIntact(database);
      assert.equal((await verifyStore(database, settings, { snapshot: 'crashed' })).ok, true);
      await assert.rejects(collectGarbage(database, settings), ConflictError);

      const resumed = await ingestTree(database, settings, { root: crashRoot, snapshot: 'crashed' });
      assert.equal(resumed.resumed, true);
      assert.ok(resumed.filesResumed > 0);
      assert.equal((await findSnapshot(database.sql, 'crashed'))!.status, 'complete');
      const destination = path.join(temporary, 'restored-crashed');
      await restoreSnapshot(database, settings, { snapshot: 'crashed', path: '', destination });
      assertSameTree(crashRoot, destination);
      await metadataLinksIntact(database);

      // Rolling back an interrupted ingest is a delete.
      const again = new AbortController();
      await assert.rejects(
        ingestTree(database, settings, {
          root: crashRoot,
          snapshot: 'rolled-back',
          full: true,
          batchSize: 50,
          signal: again.signal,
          onProgress: () => again.abort(),
        }),
        AppError,
      );
      await deleteSnapshot(database.sql, 'rolled-back');
      await metadataLinksIntact(database);
      assert.equal((await verifyStore(database, settings)).ok, true);
    });

    it('rejects bad inputs with clear errors and never writes outside the destination', async () => {
      await assert.rejects(ingestTree(database, settings, { root: path.join(temporary, 'does-not-exist') }), /directory not found/);
      await assert.rejects(ingestTree(database, settings, { root: path.join(tree, 'binary/big.bin') }), /not a directory/);
      await assert.rejects(ingestTree(database, settings, { root: settings.storeDirectory }), /dedup store/);
      for (const name of ['../etc', 'a/b', '', '-x', 'x'.repeat(101), 'semi;colon']) {
        await assert.rejects(ingestTree(database, settings, { root: tree, snapshot: name }), ValidationError, name);
      }
      await assert.rejects(ingestTree(database, settings, { root: tree, snapshot: 'right' }), ConflictError);
      const restore = (options: { snapshot?: string; path: string; destination: string }) =>
        restoreSnapshot(database, settings, {
          snapshot: options.snapshot ?? 'right',
          path: options.path,
          destination: options.destination,
        });
      await assert.rejects(restore({ path: '../../etc/passwd', destination: path.join(temporary, 'x1') }), /traversal/);
      await assert.rejects(restore({ path: '/etc/passwd', destination: path.join(temporary, 'x2') }), ValidationError);
      await assert.rejects(restore({ path: 'zod/../../x', destination: path.join(temporary, 'x3') }), /traversal/);
      await assert.rejects(restore({ path: '', destination: path.join(settings.storeDirectory, 'atoms') }), /dedup store/);
      await assert.rejects(restore({ path: '', destination: tree }), ConflictError);
      await assert.rejects(restore({ path: 'no/such/file', destination: path.join(temporary, 'x4') }), NotFoundError);
      await assert.rejects(restore({ snapshot: 'missing', path: '', destination: path.join(temporary, 'x5') }), NotFoundError);
      await assert.rejects(restore({ snapshot: '../x', path: '', destination: path.join(temporary, 'x6') }), ValidationError);
      await assert.rejects(diffSnapshots(database.sql, { from: 'right', to: 'nope' }), NotFoundError);
      for (const name of ['x1', 'x2', 'x3', 'x4', 'x5', 'x6']) assert.equal(fs.existsSync(path.join(temporary, name)), false);
    });
  });
}

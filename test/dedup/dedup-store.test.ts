/**
 * The dedup engine on every backend: ingest of a real tree, bit-perfect restore, verify
 * finding a corrupted atom, intact atom links under concurrent ingests, gc keeping
 * referenced atoms, a crash mid-ingest leaving a consistent, resumable store, queries and
 * clear errors for bad inputs.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import { AtomStore } from '../../src/tools/dedup/atom-store.js';
import { ingestTree } from '../../src/tools/dedup/ingest.js';
import { findSnapshot } from '../../src/tools/dedup/metadata-store.js';
import { dedupStats, diffSnapshots, similarFiles, topAtoms, breakdown } from '../../src/tools/dedup/queries.js';
import { atomInfo } from '../../src/tools/dedup/atom-info.js';
import { restoreSnapshot } from '../../src/tools/dedup/restore.js';
import { verifyStore } from '../../src/tools/dedup/verify.js';
import { testBackends } from '../support/test-databases.js';
import { assertSameTree, closeDedupWorkspace, openDedupWorkspace, metadataLinksIntact, type DedupWorkspace } from './dedup-fixtures.js';

for (const backend of testBackends()) {
  describe(`dedup store on ${backend.name}`, { timeout: 240_000 }, () => {
    let { database, temporary, tree, settings } = {} as DedupWorkspace;
    before(async () => {
      ({ database, temporary, tree, settings } = await openDedupWorkspace(backend, 'vigie-dedup-', { settings: { fsync: false } }));
    });
    after(() => closeDedupWorkspace({ database, temporary }));

    it('ingests a real tree, restores every file bit for bit, and skips unchanged files next time', async () => {
      const progress: number[] = [];
      const report = await ingestTree(database, settings, {
        root: tree,
        snapshot: 'first',
        batchSize: 500,
        onProgress: (step) => progress.push(step.filesDone),
      });
      assert.ok(report.files > 1000, `${report.files} files`);
      assert.equal(report.filesRead + report.symlinks, report.files);
      assert.ok(report.problems.some((problem) => problem.path === 'edge cases/fifo' && problem.code === 'ESPECIAL'));
      assert.ok(progress.length > 0);
      assert.equal((await findSnapshot(database.sql, 'first'))!.status, 'complete');

      const destination = path.join(temporary, 'restored-first');
      const restored = await restoreSnapshot(database, settings, { snapshot: 'first', path: '.', destination });
      assert.equal(restored.problems.length, 0, JSON.stringify(restored.problems.slice(0, 3)));
      assert.equal(assertSameTree(tree, destination), report.files);

      const single = await restoreSnapshot(database, settings, {
        snapshot: 'first',
        path: 'binary/big.bin',
        destination: path.join(temporary, 'one'),
      });
      assert.equal(single.files, 1);
      assert.ok(fs.readFileSync(path.join(temporary, 'one')).equals(fs.readFileSync(path.join(tree, 'binary/big.bin'))));
      const subtree = await restoreSnapshot(database, settings, {
        snapshot: 'first',
        path: 'real/zod',
        destination: path.join(temporary, 'zod'),
      });
      assertSameTree(path.join(tree, 'real/zod'), path.join(temporary, 'zod'));
      assert.ok(subtree.files > 100);

      const again = await ingestTree(database, settings, { root: tree, snapshot: 'second' });
      assert.equal(again.previousSnapshot, 'first');
      assert.equal(again.filesRead, 0);
      assert.equal(again.newAtoms, 0);
      assert.equal(again.files, report.files);
      assert.equal((await verifyStore(database, settings)).ok, true);
      await metadataLinksIntact(database);
    });

    it('answers stats, top, similar, breakdown, diff and atom queries', async () => {
      fs.writeFileSync(path.join(tree, 'binary/added.txt'), 'new file\n');
      fs.appendFileSync(path.join(tree, 'binary/random-3.bin'), 'changed');
      fs.rmSync(path.join(tree, 'binary/random-4.bin'));
      const third = await ingestTree(database, settings, { root: tree, snapshot: 'third' });
      assert.equal(third.filesRead, 2);

      const stats = await dedupStats(database.sql);
      assert.equal(stats.snapshots, 3);
      assert.ok(stats.dedupRatio > 2.5, `ratio ${stats.dedupRatio}`);
      const one = await dedupStats(database.sql, 'first');
      assert.ok(one.dedupRatio > 1 && one.duplicateFiles >= 1);
      assert.equal(one.compressionRatio > 0.99, true);

      const top = await topAtoms(database.sql, { snapshot: 'first', limit: 3, by: 'bytes' });
      assert.equal(top.length, 3);
      assert.ok(
        top[0]!.files.some((file) => file.path.startsWith('binary/big')),
        JSON.stringify(top[0]),
      );

      const similar = await similarFiles(database.sql, { snapshot: 'first', path: 'binary/big.bin' });
      assert.equal(similar.similar[0]!.path, 'binary/big-copy.bin');
      assert.equal(similar.similar[0]!.similarity, 1);
      assert.equal(similar.similar[1]!.path, 'binary/big-shifted.bin');
      assert.ok(similar.similar[1]!.similarity > 0.9);

      const types = await breakdown(database.sql, { by: 'type', snapshot: 'first' });
      assert.ok(types.rows.some((row) => row.key === 'js' && row.files > 100));
      const directories = await breakdown(database.sql, { by: 'directory', depth: 2, snapshot: 'first' });
      assert.ok(directories.rows.some((row) => row.key === 'real/zod'));

      const diff = await diffSnapshots(database.sql, { from: 'first', to: 'third' });
      assert.deepEqual([diff.added.files, diff.removed.files, diff.changed.files], [1, 1, 1]);
      assert.deepEqual(
        diff.entries.map((entry) => `${entry.change}:${entry.path}`),
        ['added:binary/added.txt', 'changed:binary/random-3.bin', 'removed:binary/random-4.bin'],
      );

      const textAtom = (
        await database.sql.query<{ atom_hash: string }>(
          `SELECT fa.atom_hash FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id WHERE f.path = 'edge cases/ünïcødé name.txt' LIMIT 1`,
        )
      )[0]!.atom_hash;
      const info = await atomInfo(database.sql, settings.storeDirectory, textAtom.slice(0, 12));
      assert.equal(info.preview.kind, 'text');
      assert.match(info.preview.content, /password = \[redacted\]/);
      assert.doesNotMatch(info.preview.content, /hunter2/);
      const binaryAtom = top[0]!.hash;
      assert.equal((await atomInfo(database.sql, settings.storeDirectory, binaryAtom)).preview.kind, 'binary');
      await assert.rejects(atomInfo(database.sql, settings.storeDirectory, 'zz'), ValidationError);
      await assert.rejects(similarFiles(database.sql, { path: 'nope.txt', snapshot: 'first' }), NotFoundError);
    });

    it('finds a byte flipped inside a pack with verify, and names the atom and the files it breaks', async () => {
      const store = new AtomStore({ directory: settings.storeDirectory });
      const [victim] = await database.sql.query<{ atom_hash: string; pack: string; offset: number; stored: number }>(
        `SELECT fa.atom_hash, a.pack, a.pack_offset::float8 AS "offset", a.stored_size AS stored
           FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id JOIN dedup_atoms a ON a.hash = fa.atom_hash
          WHERE f.path = 'binary/random-5.bin' AND fa.position = 0`,
      );
      const file = store.packPath(victim!.pack);
      const original = fs.readFileSync(file);
      const corrupted = Buffer.from(original);
      corrupted[victim!.offset + victim!.stored - 1]! ^= 0xff;
      fs.writeFileSync(file, corrupted);
      const report = await verifyStore(database, settings, { snapshot: 'first' });
      assert.equal(report.ok, false);
      assert.ok(report.issues.some((found) => found.kind === 'atom_corrupt' && found.atom === victim!.atom_hash));
      assert.ok(
        report.issues.some(
          (found) => found.kind === 'file_corrupt' && found.path === 'binary/random-5.bin' && /offset 0/.test(found.message),
        ),
      );
      const restore = await restoreSnapshot(database, settings, {
        snapshot: 'first',
        path: 'binary/random-5.bin',
        destination: path.join(temporary, 'bad-restore'),
      });
      assert.equal(restore.files, 0);
      assert.match(restore.problems[0]!.message, /does not match/);
      assert.equal(fs.existsSync(path.join(temporary, 'bad-restore')), false);
      fs.renameSync(file, `${file}.away`);
      const missing = await verifyStore(database, settings, { snapshot: 'first' });
      assert.ok(missing.issues.some((found) => found.kind === 'atom_missing'));
      fs.rmSync(`${file}.away`);
      fs.writeFileSync(file, original);
      assert.equal((await verifyStore(database, settings)).ok, true);
    });
  });
}

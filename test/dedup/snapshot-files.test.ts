/**
 * Paging through a snapshot (snapshot-files.ts), which restore and verify use: keyset pages on
 * the (snapshot, path) index with the next page fetched ahead. Every file comes exactly once,
 * across page boundaries that fall between names whose byte order and collation order differ,
 * with its atoms in order; a failing page query is thrown to the caller, never left unhandled.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SqlQueries } from '../../src/db/sql-runner.js';
import { ingestTree } from '../../src/tools/dedup/ingest.js';
import { requireSnapshot } from '../../src/tools/dedup/metadata-store.js';
import { snapshotFiles, type StoredFile } from '../../src/tools/dedup/snapshot-files.js';
import { testBackends } from '../support/test-databases.js';
import { closeDedupWorkspace, openDedupWorkspace, type DedupWorkspace } from './dedup-fixtures.js';

/** Names whose order differs between bytes and most collations (case, accents, punctuation, spaces). */
const NAMES = ['a.txt', 'B.txt', 'b.txt', 'é.txt', 'e.txt', 'Z', '_x', 'a b', 'a-b', 'a.b', 'ß', 'zz', '01', '1', '10', '2'];

async function collect(sql: SqlQueries, snapshotId: string, prefix: string, pageSize: number): Promise<StoredFile[]> {
  const files: StoredFile[] = [];
  for await (const file of snapshotFiles(sql, snapshotId, prefix, pageSize)) files.push(file);
  return files;
}

/** A runner whose `failAt`-th query (1-based) rejects, to stand for a database that fails mid-way. */
function failingAt(sql: SqlQueries, failAt: number): SqlQueries {
  let calls = 0;
  return {
    ...sql,
    query: (async (text: string, params?: unknown[]) => {
      calls += 1;
      if (calls === failAt) throw new Error('connection lost while paging');
      return sql.query(text, params);
    }) as SqlQueries['query'],
  };
}

for (const backend of testBackends()) {
  describe(`snapshot paging on ${backend.name}`, { timeout: 120_000 }, () => {
    let workspace = {} as DedupWorkspace;
    let root = '';
    let snapshotId = '';
    const expected = new Set<string>();
    before(async () => {
      workspace = await openDedupWorkspace(backend, 'vigie-dedup-paging-', { packages: [], settings: { fsync: false } });
      root = path.join(workspace.temporary, 'names');
      for (const directory of ['', 'dir', 'dir/sub', 'Dir']) {
        fs.mkdirSync(path.join(root, directory), { recursive: true });
        NAMES.forEach((name, index) => {
          fs.writeFileSync(path.join(root, directory, name), `${directory}/${name}\n`.repeat(index * 400));
          expected.add(path.posix.join(directory, name));
        });
      }
      fs.symlinkSync('a.txt', path.join(root, 'link'));
      expected.add('link');
      await ingestTree(workspace.database, workspace.settings, { root, snapshot: 'names' });
      snapshotId = (await requireSnapshot(workspace.database.sql, 'names')).id;
    });
    after(() => closeDedupWorkspace(workspace));

    it('yields every file once, with its atoms in order, whatever the page size', async () => {
      const whole = await collect(workspace.database.sql, snapshotId, '', 1000);
      assert.deepEqual(new Set(whole.map((file) => file.path)), expected);
      assert.equal(whole.length, expected.size, 'no file twice');
      for (const file of whole) {
        if (file.kind === 'symlink') {
          assert.equal(file.linkTarget, 'a.txt');
          assert.deepEqual(file.atoms, []);
          continue;
        }
        const content = fs.readFileSync(path.join(root, file.path));
        assert.equal(file.size, content.length, file.path);
        assert.equal(file.atoms.length === 0, content.length === 0, `${file.path}: atoms only for content`);
        assert.ok(
          file.atoms.every((atom) => atom.pack !== null && atom.storedSize > 0),
          `${file.path}: every atom located`,
        );
      }
      for (const pageSize of [1, 3, 7, 16]) {
        const paged = await collect(workspace.database.sql, snapshotId, '', pageSize);
        assert.deepEqual(paged, whole, `page size ${pageSize}: same files, same order`);
      }
    });

    it('keeps to a prefix: the path itself or what lies under it', async () => {
      const under = await collect(workspace.database.sql, snapshotId, 'dir', 2);
      assert.deepEqual(under.map((file) => file.path).sort(), [...expected].filter((file) => file.startsWith('dir/')).sort());
      assert.deepEqual(
        (await collect(workspace.database.sql, snapshotId, 'dir/sub/é.txt', 2)).map((file) => file.path),
        ['dir/sub/é.txt'],
      );
      assert.deepEqual(await collect(workspace.database.sql, snapshotId, 'dir/su', 2), [], 'a name prefix is not a directory');
    });

    it('throws a failure of the page fetched ahead to the caller, and leaves none unhandled on an early stop', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const seen: string[] = [];
        await assert.rejects(async () => {
          for await (const file of snapshotFiles(failingAt(workspace.database.sql, 2), snapshotId, '', 5)) {
            seen.push(file.path);
            await new Promise((resolve) => setTimeout(resolve, 1)); // the prefetch settles while the caller works
          }
        }, /connection lost while paging/);
        assert.equal(seen.length, 5, 'the first page is delivered before the failure');
        for await (const file of snapshotFiles(failingAt(workspace.database.sql, 2), snapshotId, '', 5)) {
          assert.ok(file.path);
          await new Promise((resolve) => setTimeout(resolve, 5));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  });
}

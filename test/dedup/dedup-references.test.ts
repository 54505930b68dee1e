/**
 * The links of dedup_file_atoms without foreign keys (migration dedup_engine_references): the
 * engine refuses a batch that references an atom nobody recorded or wrote, `dedup delete`
 * leaves no orphan position, and verify names a position whose atom row has gone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingestTree } from '../../src/tools/dedup/ingest.js';
import { beginSnapshot, commitBatch, deleteSnapshot } from '../../src/tools/dedup/metadata-store.js';
import { verifyStore } from '../../src/tools/dedup/verify.js';
import { testBackends } from '../support/test-databases.js';
import { closeDedupWorkspace, openDedupWorkspace, metadataLinksIntact, type DedupWorkspace } from './dedup-fixtures.js';

const count = async (workspace: DedupWorkspace, table: string) =>
  (await workspace.database.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

for (const backend of testBackends()) {
  describe(`dedup metadata links on ${backend.name}`, { timeout: 120_000 }, () => {
    let workspace = {} as DedupWorkspace;
    let root = '';
    before(async () => {
      workspace = await openDedupWorkspace(backend, 'vigie-dedup-links-', { settings: { fsync: false } });
      root = path.join(workspace.temporary, 'small');
      fs.mkdirSync(root);
      fs.writeFileSync(path.join(root, 'a.txt'), 'alpha\n'.repeat(5000));
      fs.writeFileSync(path.join(root, 'b.txt'), 'bravo\n'.repeat(9000));
    });
    after(() => closeDedupWorkspace(workspace));

    it('refuses a batch whose file references an unknown atom, and writes nothing of it', async () => {
      const { database } = workspace;
      const { snapshot } = await beginSnapshot(database.sql, 'refused', root);
      const before = [
        await count(workspace, 'dedup_files'),
        await count(workspace, 'dedup_file_atoms'),
        await count(workspace, 'dedup_atoms'),
      ];
      const ghost = 'f'.repeat(64);
      await assert.rejects(
        commitBatch(
          database.sql,
          snapshot.id,
          [
            {
              path: 'ghost.bin',
              kind: 'file',
              size: 10,
              mode: 0o644,
              mtimeNs: '1',
              hash: ghost,
              linkTarget: null,
              atoms: [{ hash: ghost, size: 10 }],
            },
          ],
          [],
        ),
        /referenced before it was stored; nothing of this batch was committed/,
      );
      assert.deepEqual(
        [await count(workspace, 'dedup_files'), await count(workspace, 'dedup_file_atoms'), await count(workspace, 'dedup_atoms')],
        before,
      );
      await deleteSnapshot(database.sql, 'refused');
    });

    it('deletes a snapshot with its positions, and verify names a position whose atom is gone', async () => {
      const { database, settings } = workspace;
      await ingestTree(database, settings, { root, snapshot: 'kept' });
      await ingestTree(database, settings, { root, snapshot: 'dropped', full: true });
      const positions = await count(workspace, 'dedup_file_atoms');
      await deleteSnapshot(database.sql, 'dropped');
      assert.equal(await count(workspace, 'dedup_file_atoms'), positions / 2);
      const [orphans] = await database.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM dedup_file_atoms fa LEFT JOIN dedup_files f ON f.id = fa.file_id WHERE f.id IS NULL`,
      );
      assert.equal(orphans!.n, 0);
      await metadataLinksIntact(database);
      assert.equal((await verifyStore(database, settings)).ok, true);

      // Break a link by hand (what a foreign key used to forbid): verify must say which file lost which atom.
      const [victim] = await database.sql.query<{ atom_hash: string }>(
        `SELECT fa.atom_hash FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id WHERE f.path = 'b.txt' LIMIT 1`,
      );
      const [row] = await database.sql.query<Record<string, unknown>>(`SELECT * FROM dedup_atoms WHERE hash = $1`, [victim!.atom_hash]);
      await database.sql.query(`DELETE FROM dedup_atoms WHERE hash = $1`, [victim!.atom_hash]);
      const report = await verifyStore(database, settings, { snapshot: 'kept' });
      assert.equal(report.ok, false);
      assert.ok(
        report.issues.some(
          (issue) =>
            issue.kind === 'atom_missing' && issue.atom === victim!.atom_hash && issue.path === 'b.txt' && issue.snapshot === 'kept',
        ),
        JSON.stringify(report.issues),
      );
      await database.sql.query(`INSERT INTO dedup_atoms (hash, size, stored_size, pack, pack_offset) VALUES ($1, $2, $3, $4, $5)`, [
        row!.hash,
        row!.size,
        row!.stored_size,
        row!.pack,
        row!.pack_offset,
      ]);
      assert.equal((await verifyStore(database, settings)).ok, true);

      // A position whose file is gone (what ON DELETE CASCADE used to prevent): verify counts it against its atom.
      await database.sql.query(`INSERT INTO dedup_file_atoms (file_id, position, atom_hash) VALUES (-1, 0, $1)`, [victim!.atom_hash]);
      const orphaned = await verifyStore(database, settings);
      assert.ok(
        orphaned.issues.some(
          (issue) => issue.kind === 'orphan_position' && issue.atom === victim!.atom_hash && /1 position/.test(issue.message),
        ),
        JSON.stringify(orphaned.issues),
      );
      await database.sql.query(`DELETE FROM dedup_file_atoms WHERE file_id = -1`);
      assert.equal((await verifyStore(database, settings)).ok, true);
    });
  });
}

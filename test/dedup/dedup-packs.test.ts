/**
 * Pack files (issue 24): the shared atom index claims each new atom once, packs rotate at
 * their size under unique names, and on every backend a store keeps its guarantees with
 * packs: atoms of the older one-file-per-atom format still restore and verify, a half-written
 * tail is harmless and counted as reclaimable, gc deletes dead and leftover packs, and a
 * damaged, truncated or missing pack is reported by verify and restore without a crash.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AtomIndex, indexCapacity } from '../../src/tools/dedup/atom-index.js';
import { AtomStore, PACK_MAGIC } from '../../src/tools/dedup/atom-store.js';
import { collectGarbage } from '../../src/tools/dedup/garbage-collector.js';
import { ingestTree } from '../../src/tools/dedup/ingest.js';
import { deleteSnapshot } from '../../src/tools/dedup/metadata-store.js';
import { PackWriter } from '../../src/tools/dedup/pack-writer.js';
import { restoreSnapshot } from '../../src/tools/dedup/restore.js';
import { verifyStore } from '../../src/tools/dedup/verify.js';
import { testBackends } from '../support/test-databases.js';
import { assertSameTree, closeDedupWorkspace, openDedupWorkspace, metadataLinksIntact, type DedupWorkspace } from './dedup-fixtures.js';

const id = (data: Uint8Array) => createHash('sha256').update(data).digest();

function packFiles(storeDirectory: string): string[] {
  const packs = path.join(storeDirectory, 'packs');
  if (!fs.existsSync(packs)) return [];
  return fs.readdirSync(packs).flatMap((shard) => fs.readdirSync(path.join(packs, shard)).map((name) => path.join(packs, shard, name)));
}

describe('dedup atom index and pack writer', () => {
  it('claims a new atom once, tells its owner from other workers, and stops claiming when full', () => {
    const index = new AtomIndex(indexCapacity(0));
    const stored = id(Buffer.from('recorded before the ingest'));
    index.addKnown(stored);
    assert.equal(index.claim(stored, 0), 'known');
    const fresh = id(Buffer.from('new in this ingest'));
    assert.equal(index.claim(fresh, 1), 'new');
    assert.equal(index.claim(fresh, 1), 'mine');
    assert.equal(index.claim(fresh, 0), 'other');
    // A view of the same shared buffer (as a worker gets) sees the same claims.
    assert.equal(new AtomIndex(index.buffer).claim(fresh, 0), 'other');
    assert.throws(() => index.claim(Buffer.alloc(31), 0), /32 bytes/);
    assert.throws(() => new AtomIndex(1000), /power of two/);

    const small = new AtomIndex(16);
    const results = Array.from({ length: 16 }, (_, n) => small.claim(id(Buffer.from([n])), 0));
    assert.deepEqual(results.slice(0, 12), Array(12).fill('new'));
    assert.deepEqual(results.slice(12), Array(4).fill('full'));
    assert.equal(small.claim(id(Buffer.from([3])), 0), 'mine'); // still found once full
  });

  it('rotates packs at their size under unique names, each starting with its magic', () => {
    const directory = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vigie-packs-'));
    try {
      const writer = new PackWriter({ directory, compression: 'none', fsync: true, targetBytes: 64 * 1024 });
      const atoms = Array.from({ length: 40 }, () => randomBytes(10_000));
      const locations = atoms.map((data) => writer.append(id(data).toString('hex'), data));
      writer.closePack();
      const packs = new Set(locations.map((location) => location.pack));
      assert.ok(packs.size >= 6, `${packs.size} packs`);
      const files = packFiles(directory);
      assert.equal(files.length, packs.size);
      for (const file of files) {
        assert.ok(fs.readFileSync(file).subarray(0, PACK_MAGIC.length).equals(PACK_MAGIC));
        assert.ok(fs.statSync(file).size <= 64 * 1024 + 10_001 + PACK_MAGIC.length);
      }
      const store = new AtomStore({ directory });
      atoms.forEach((data, n) => assert.ok(store.read(locations[n]!).equals(data)));
      store.close();
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

for (const backend of testBackends()) {
  describe(`dedup packs on ${backend.name}`, { timeout: 240_000 }, () => {
    let { database, temporary, tree, settings } = {} as DedupWorkspace;
    before(async () => {
      ({ database, temporary, tree, settings } = await openDedupWorkspace(backend, 'vigie-dedup-packs-', { packages: ['zod'] }));
    });
    after(() => closeDedupWorkspace({ database, temporary }));

    it('stores atoms in a few packs, not one file each', async () => {
      const report = await ingestTree(database, settings, { root: tree, snapshot: 'packed' });
      assert.deepEqual(
        report.problems.map((problem) => problem.path),
        ['edge cases/fifo'],
      );
      const [{ atoms, packs }] = (await database.sql.query<{ atoms: number; packs: number }>(
        `SELECT count(*)::int AS atoms, count(DISTINCT pack)::int AS packs FROM dedup_atoms WHERE pack IS NOT NULL`,
      )) as [{ atoms: number; packs: number }];
      assert.equal(atoms, report.newAtoms);
      assert.ok(packs <= settings.workers * 2 && packs < atoms / 10, `${packs} packs for ${atoms} atoms`);
      assert.equal(packFiles(settings.storeDirectory).length, packs);
      assert.equal(fs.existsSync(path.join(settings.storeDirectory, 'atoms')), false);
      // Warm: every atom is found in the index, nothing is written again.
      const warm = await ingestTree(database, settings, { root: tree, snapshot: 'packed-again', full: true });
      assert.equal(warm.newAtoms, 0);
      assert.equal(packFiles(settings.storeDirectory).length, packs);
      await metadataLinksIntact(database);
    });

    it('reads atoms of the older one-file-per-atom format beside packs, and reuses them', async () => {
      const store = new AtomStore({ directory: settings.storeDirectory });
      const rows = await database.sql.query<{ hash: string; pack: string; offset: number; storedSize: number }>(
        `SELECT DISTINCT a.hash, a.pack, a.pack_offset::float8 AS "offset", a.stored_size AS "storedSize"
           FROM dedup_atoms a JOIN dedup_file_atoms fa ON fa.atom_hash = a.hash JOIN dedup_files f ON f.id = fa.file_id
          WHERE f.path LIKE 'binary/%' AND a.pack IS NOT NULL`,
      );
      assert.ok(rows.length > 3);
      for (const row of rows) {
        const file = store.atomPath(row.hash);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, store.readStored(row));
      }
      store.close();
      await database.sql.query(
        `UPDATE dedup_atoms SET pack = NULL, pack_offset = NULL WHERE hash IN (SELECT jsonb_array_elements_text($1::jsonb))`,
        [JSON.stringify(rows.map((row) => row.hash))],
      );
      const destination = path.join(temporary, 'restored-mixed');
      const restored = await restoreSnapshot(database, settings, { snapshot: 'packed', path: '', destination });
      assert.deepEqual(restored.problems, []);
      assertSameTree(tree, destination);
      assert.equal((await verifyStore(database, settings)).ok, true);
      const again = await ingestTree(database, settings, { root: tree, snapshot: 'mixed', full: true });
      assert.equal(again.newAtoms, 0);
    });

    it('ignores a half-written pack tail, counts it as reclaimable, and deletes leftover and dead packs', async () => {
      const [pack] = packFiles(settings.storeDirectory);
      fs.appendFileSync(pack!, randomBytes(5000)); // an atom a crash cut short
      const leftover = path.join(settings.storeDirectory, 'packs', 'ab', `ab${'0'.repeat(30)}.pack`);
      fs.mkdirSync(path.dirname(leftover), { recursive: true });
      fs.writeFileSync(leftover, Buffer.concat([PACK_MAGIC, randomBytes(3000)])); // a crashed ingest's pack, never committed
      const stranger = path.join(settings.storeDirectory, 'packs', 'ab', 'notes.txt');
      fs.writeFileSync(stranger, 'not a pack');
      assert.equal((await verifyStore(database, settings)).ok, true);

      const dry = await collectGarbage(database, settings, { dryRun: true });
      assert.ok(dry.packsRemoved >= 1, JSON.stringify(dry));
      assert.ok(dry.reclaimableBytes >= 5000, JSON.stringify(dry));
      assert.ok(fs.existsSync(leftover));
      const collected = await collectGarbage(database, settings);
      assert.equal(collected.packsRemoved, dry.packsRemoved);
      assert.equal(collected.bytesFreed, dry.bytesFreed);
      assert.ok(collected.bytesFreed >= PACK_MAGIC.length + 3000);
      assert.equal(fs.existsSync(leftover), false);
      assert.ok(fs.existsSync(stranger), 'gc never removes a file it did not write');

      for (const name of ['packed', 'packed-again', 'mixed']) await deleteSnapshot(database.sql, name);
      const emptied = await collectGarbage(database, settings);
      assert.ok(emptied.atomsRemoved > 0 && emptied.packsRemoved > 0, JSON.stringify(emptied));
      assert.deepEqual(
        packFiles(settings.storeDirectory).map((file) => path.basename(file)),
        ['notes.txt'],
      );
      const [{ count }] = (await database.sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM dedup_atoms`)) as [
        { count: number },
      ];
      assert.equal(count, 0);
      assert.equal(
        fs
          .readdirSync(path.join(settings.storeDirectory, 'atoms'))
          .flatMap((shard) => fs.readdirSync(path.join(settings.storeDirectory, 'atoms', shard))).length,
        0,
        'older-format atom files of deleted snapshots are removed too',
      );
    });

    it('reports a damaged, truncated or missing pack in verify and restore without crashing', async () => {
      await ingestTree(database, settings, { root: tree, snapshot: 'damaged' });
      const packs = packFiles(settings.storeDirectory).filter((file) => file.endsWith('.pack'));
      const originals = packs.map((file) => fs.readFileSync(file));
      const damage = async (change: (file: string, original: Buffer) => void, expected: RegExp) => {
        packs.forEach((file, n) => change(file, originals[n]!));
        const verified = await verifyStore(database, settings, { snapshot: 'damaged' });
        assert.equal(verified.ok, false);
        assert.ok(
          verified.issues.some((issue) => expected.test(issue.message)),
          JSON.stringify(verified.issues.slice(0, 2)),
        );
        const destination = path.join(temporary, `restore-${Math.random().toString(36).slice(2)}`);
        const restored = await restoreSnapshot(database, settings, { snapshot: 'damaged', path: 'binary', destination });
        // Every file that hits the damage is refused (an atom near the start of a truncated pack may still be whole).
        assert.ok(restored.problems.length > 0 && restored.files + restored.problems.length === 23, JSON.stringify(restored));
        packs.forEach((file, n) => fs.writeFileSync(file, originals[n]!));
      };
      await damage((file, original) => fs.writeFileSync(file, Buffer.concat([Buffer.from('XXXXXXXX'), original.subarray(8)])), /header/);
      await damage((file, original) => fs.writeFileSync(file, original.subarray(0, 100)), /truncated/);
      await damage((file) => fs.rmSync(file), /missing/);
      assert.equal((await verifyStore(database, settings)).ok, true);
    });
  });
}

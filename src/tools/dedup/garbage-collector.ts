/**
 * gc: removes atoms no snapshot references (no position of any file), deletes pack files none
 * of whose atoms is recorded any more (also those a crashed ingest left, whose atoms never
 * committed), and reports the dead bytes left inside packs that still hold live atoms
 * (`reclaimableBytes`; packs are not rewritten, so a reader never loses a pack under it).
 * Atom files of the older one-file-per-atom format are removed as before, with the temporary
 * files a crash left. It holds the metadata lock for the whole pass and refuses while any
 * ingest is running or interrupted, so it can never remove a pack or an atom that a commit is
 * about to reference.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/database.js';
import type { SqlQueries } from '../../db/sql-runner.js';
import { ConflictError } from '../../errors.js';
import { AtomStore, isAtomId, PACK_MAGIC } from './atom-store.js';
import type { DedupSettings } from './dedup-settings.js';
import { DEDUP_LOCK_KEY } from './metadata-store.js';

/** What gc removed (or, with dryRun, would remove). */
export interface GarbageReport {
  atomsRemoved: number;
  /** Bytes of disk given back: dead packs, and atom and temporary files of the older format. */
  bytesFreed: number;
  packsRemoved: number;
  /** Packs still holding live atoms, and their dead bytes (atoms removed, crash tails, duplicates of a concurrent ingest). */
  packsKept: number;
  reclaimableBytes: number;
  orphanFilesRemoved: number;
  temporaryFilesRemoved: number;
  dryRun: boolean;
}

const PACK_NAME = /^([0-9a-f]{32})\.pack$/;

/** Runs one gc pass. */
export async function collectGarbage(
  database: Database,
  settings: DedupSettings,
  options: { dryRun?: boolean } = {},
): Promise<GarbageReport> {
  const store = new AtomStore({ directory: settings.storeDirectory });
  const dryRun = options.dryRun ?? false;
  return database.sql.transaction(async (tx) => {
    const running = await tx.query<{ name: string }>(`SELECT name FROM dedup_snapshots WHERE status = 'running' ORDER BY name`);
    if (running.length > 0) {
      const names = running.map((row) => row.name).join(', ');
      throw new ConflictError(
        `gc refused: ingest running or interrupted (${names}); let it finish, resume it, or delete the snapshot first`,
      );
    }
    const report: GarbageReport = {
      atomsRemoved: 0,
      bytesFreed: 0,
      packsRemoved: 0,
      packsKept: 0,
      reclaimableBytes: 0,
      orphanFilesRemoved: 0,
      temporaryFilesRemoved: 0,
      dryRun,
    };
    const unreferenced = await tx.query<{ hash: string; pack: string | null; storedSize: number }>(
      `${dryRun ? 'SELECT hash, pack, stored_size AS "storedSize" FROM dedup_atoms' : 'DELETE FROM dedup_atoms'}
        WHERE NOT EXISTS (SELECT 1 FROM dedup_file_atoms fa WHERE fa.atom_hash = dedup_atoms.hash)
        ${dryRun ? '' : 'RETURNING hash, pack, stored_size AS "storedSize"'}`,
    );
    const removedFromPacks = new Map<string, number>();
    for (const atom of unreferenced) {
      report.atomsRemoved += 1;
      if (atom.pack === null) {
        if (!dryRun) store.remove(atom.hash);
        report.bytesFreed += atom.storedSize;
      } else removedFromPacks.set(atom.pack, (removedFromPacks.get(atom.pack) ?? 0) + atom.storedSize);
    }
    await collectPacks(tx, store, report, removedFromPacks);
    await collectLegacyFiles(tx, store, report);
    return report;
  }, DEDUP_LOCK_KEY);
}

/** Deletes packs with no live atom; counts the dead bytes of the others. */
async function collectPacks(tx: SqlQueries, store: AtomStore, report: GarbageReport, removedFromPacks: Map<string, number>): Promise<void> {
  if (!fs.existsSync(store.packsDirectory)) return;
  const live = new Map<string, number>();
  for (const row of await tx.query<{ pack: string; bytes: number }>(
    `SELECT pack, sum(stored_size)::float8 AS bytes FROM dedup_atoms WHERE pack IS NOT NULL GROUP BY pack`,
  )) {
    // In a dry run the unreferenced atoms are still recorded: count them as gone.
    const bytes = row.bytes - (report.dryRun ? (removedFromPacks.get(row.pack) ?? 0) : 0);
    if (bytes > 0) live.set(row.pack, bytes);
  }
  for (const shard of fs.readdirSync(store.packsDirectory)) {
    const shardDirectory = path.join(store.packsDirectory, shard);
    if (!fs.statSync(shardDirectory).isDirectory()) continue;
    for (const name of fs.readdirSync(shardDirectory)) {
      const pack = PACK_NAME.exec(name)?.[1];
      if (!pack) continue; // not ours: never removed
      const full = path.join(shardDirectory, name);
      const size = fs.statSync(full, { throwIfNoEntry: false })?.size ?? 0;
      const liveBytes = live.get(pack);
      if (liveBytes === undefined) {
        if (!report.dryRun) fs.rmSync(full, { force: true });
        report.packsRemoved += 1;
        report.bytesFreed += size;
      } else {
        report.packsKept += 1;
        report.reclaimableBytes += Math.max(0, size - PACK_MAGIC.length - liveBytes);
      }
    }
  }
}

/** Removes atom files of the older format that nothing records, and temporary files a crash left. */
async function collectLegacyFiles(tx: SqlQueries, store: AtomStore, report: GarbageReport): Promise<void> {
  if (!fs.existsSync(store.atomsDirectory)) return;
  const known = new Set((await tx.query<{ hash: string }>(`SELECT hash FROM dedup_atoms WHERE pack IS NULL`)).map((row) => row.hash));
  for (const shard of fs.readdirSync(store.atomsDirectory)) {
    const shardDirectory = path.join(store.atomsDirectory, shard);
    if (!fs.statSync(shardDirectory).isDirectory()) continue;
    for (const name of fs.readdirSync(shardDirectory)) {
      const temporary = name.includes('.tmp-');
      if (!temporary && (!isAtomId(name) || known.has(name))) continue;
      const full = path.join(shardDirectory, name);
      const size = fs.statSync(full, { throwIfNoEntry: false })?.size ?? 0;
      if (!report.dryRun) fs.rmSync(full, { force: true });
      report.bytesFreed += size;
      if (temporary) report.temporaryFilesRemoved += 1;
      else report.orphanFilesRemoved += 1;
    }
  }
}

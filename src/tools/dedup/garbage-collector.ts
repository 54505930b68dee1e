/**
 * gc: removes atoms no snapshot references (reference count zero) and atom or temporary
 * files the database does not know (left by a crash). It holds the metadata lock for the
 * whole pass and refuses while any ingest is running or interrupted, so it can never remove
 * an atom that a commit is about to reference.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/database.js';
import { ConflictError } from '../../errors.js';
import { AtomStore, isAtomId } from './atom-store.js';
import type { DedupSettings } from './dedup-settings.js';
import { DEDUP_LOCK_KEY } from './metadata-store.js';

/** What gc removed. */
export interface GarbageReport {
  atomsRemoved: number;
  bytesFreed: number;
  orphanFilesRemoved: number;
  temporaryFilesRemoved: number;
  dryRun: boolean;
}

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
    const report: GarbageReport = { atomsRemoved: 0, bytesFreed: 0, orphanFilesRemoved: 0, temporaryFilesRemoved: 0, dryRun };
    const unreferenced = await tx.query<{ hash: string; storedSize: number }>(
      `${dryRun ? 'SELECT hash, stored_size AS "storedSize" FROM dedup_atoms' : 'DELETE FROM dedup_atoms'}
        WHERE ref_count = 0 AND NOT EXISTS (SELECT 1 FROM dedup_file_atoms fa WHERE fa.atom_hash = dedup_atoms.hash)
        ${dryRun ? '' : 'RETURNING hash, stored_size AS "storedSize"'}`,
    );
    for (const atom of unreferenced) {
      if (!dryRun) store.remove(atom.hash);
      report.atomsRemoved += 1;
      report.bytesFreed += atom.storedSize;
    }
    if (!fs.existsSync(store.atomsDirectory)) return report;
    const known = new Set((await tx.query<{ hash: string }>(`SELECT hash FROM dedup_atoms`)).map((row) => row.hash));
    for (const shard of fs.readdirSync(store.atomsDirectory)) {
      const shardDirectory = path.join(store.atomsDirectory, shard);
      if (!fs.statSync(shardDirectory).isDirectory()) continue;
      for (const name of fs.readdirSync(shardDirectory)) {
        const temporary = name.includes('.tmp-');
        if (!temporary && (!isAtomId(name) || known.has(name))) continue;
        const full = path.join(shardDirectory, name);
        const size = fs.statSync(full, { throwIfNoEntry: false })?.size ?? 0;
        if (!dryRun) fs.rmSync(full, { force: true });
        report.bytesFreed += size;
        if (temporary) report.temporaryFilesRemoved += 1;
        else report.orphanFilesRemoved += 1;
      }
    }
    return report;
  }, DEDUP_LOCK_KEY);
}

/**
 * Verify: re-reads and re-hashes atoms (their ranges in packs, or their files in the older
 * format) and files and reports any corruption precisely (which atom, where it is stored,
 * which files and offsets it breaks: a flipped byte in a pack is reported for the atom it hits), plus file
 * positions whose atom is not recorded and positions of files that are gone. It only reads; repair is a re-ingest.
 */
import { createHash } from 'node:crypto';
import type { Database } from '../../db/database.js';
import { AtomStore, decodeAtom, type AtomLocation } from './atom-store.js';
import { validateSnapshotName, type DedupSettings } from './dedup-settings.js';
import { listSnapshots, requireSnapshot, type SnapshotRow } from './metadata-store.js';
import { snapshotFiles } from './snapshot-files.js';

/** One problem found by verify. */
export interface VerifyIssue {
  kind: 'atom_missing' | 'atom_corrupt' | 'file_corrupt' | 'orphan_position';
  atom?: string;
  snapshot?: string;
  path?: string;
  message: string;
}

/** Verify's answer. */
export interface VerifyReport {
  ok: boolean;
  snapshots: string[];
  atomsChecked: number;
  filesChecked: number;
  bytesChecked: number;
  issueCount: number;
  issues: VerifyIssue[];
  seconds: number;
}

const MAX_LISTED_ISSUES = 200;

/** Checks one snapshot, or every snapshot and the orphan positions when none is given. */
export async function verifyStore(database: Database, settings: DedupSettings, options: { snapshot?: string } = {}): Promise<VerifyReport> {
  const started = performance.now();
  const sql = database.sql;
  const snapshots: SnapshotRow[] = options.snapshot
    ? [await requireSnapshot(sql, validateSnapshotName(options.snapshot))]
    : await listSnapshots(sql);
  const store = new AtomStore({ directory: settings.storeDirectory });
  const report: VerifyReport = {
    ok: true,
    snapshots: snapshots.map((snapshot) => snapshot.name),
    atomsChecked: 0,
    filesChecked: 0,
    bytesChecked: 0,
    issueCount: 0,
    issues: [],
    seconds: 0,
  };
  const issue = (found: VerifyIssue) => {
    report.ok = false;
    report.issueCount += 1;
    if (report.issues.length < MAX_LISTED_ISSUES) report.issues.push(found);
  };

  try {
    // Atoms: every atom of the scope, once, by keyset pages.
    const bad = new Map<string, string>();
    const atomSizes = new Map<string, number>();
    let after = '';
    for (;;) {
      const rows = await sql.query<AtomLocation & { size: number }>(
        options.snapshot
          ? `SELECT DISTINCT a.hash, a.size, a.pack, coalesce(a.pack_offset, 0)::float8 AS "offset", a.stored_size AS "storedSize" FROM dedup_atoms a JOIN dedup_file_atoms fa ON fa.atom_hash = a.hash JOIN dedup_files f ON f.id = fa.file_id
            WHERE f.snapshot_id = $2 AND a.hash > $1 ORDER BY a.hash LIMIT 5000`
          : `SELECT hash, size, pack, coalesce(pack_offset, 0)::float8 AS "offset", stored_size AS "storedSize" FROM dedup_atoms WHERE hash > $1 ORDER BY hash LIMIT 5000`,
        options.snapshot ? [after, snapshots[0]!.id] : [after],
      );
      for (const row of rows) {
        report.atomsChecked += 1;
        atomSizes.set(row.hash, row.size);
        let message: string | null = null;
        try {
          const data = decodeAtom(store.readStored(row));
          report.bytesChecked += data.length;
          if (data.length !== row.size) message = `size ${data.length} on disk, ${row.size} recorded`;
          else if (createHash('sha256').update(data).digest('hex') !== row.hash) message = 'content does not match its SHA-256 id';
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            bad.set(row.hash, 'missing');
            const where = row.pack === null ? `atom file ${store.atomPath(row.hash)}` : `pack ${store.packPath(row.pack)}`;
            issue({ kind: 'atom_missing', atom: row.hash, message: `${where} is missing` });
            continue;
          }
          message = `cannot decode: ${(error as Error).message}`;
        }
        if (message) {
          bad.set(row.hash, message);
          issue({ kind: 'atom_corrupt', atom: row.hash, message: `atom in ${store.describe(row)}: ${message}` });
        }
      }
      if (rows.length < 5000) break;
      after = rows[rows.length - 1]!.hash;
    }

    // Files: sizes add up, no bad atom, whole-file hash matches the atoms' concatenation.
    for (const snapshot of snapshots) {
      for await (const file of snapshotFiles(sql, snapshot.id)) {
        report.filesChecked += 1;
        if (file.kind === 'symlink') {
          if (
            createHash('sha256')
              .update(file.linkTarget ?? '')
              .digest('hex') !== file.hash
          ) {
            issue({
              kind: 'file_corrupt',
              snapshot: snapshot.name,
              path: file.path,
              message: 'symbolic link target does not match its hash',
            });
          }
          continue;
        }
        let offset = 0;
        let broken: string | null = null;
        for (const atom of file.atoms) {
          const reason = bad.get(atom.hash);
          if (reason) {
            broken = `atom ${atom.hash} at offset ${offset} is ${reason === 'missing' ? 'missing' : 'corrupt'}`;
            break;
          }
          offset += atomSizes.get(atom.hash) ?? 0;
        }
        if (!broken && offset !== file.size) broken = `atoms add up to ${offset} bytes, file size is ${file.size}`;
        if (!broken && file.atoms.length === 1 && file.atoms[0]!.hash !== file.hash) broken = 'whole-file hash differs from its only atom';
        if (!broken && file.atoms.length === 0 && file.hash !== createHash('sha256').digest('hex'))
          broken = 'empty file with a non-empty hash';
        if (!broken && file.atoms.length > 1) {
          const hash = createHash('sha256');
          for (const atom of file.atoms) hash.update(store.read(atom));
          if (hash.digest('hex') !== file.hash) broken = 'whole-file SHA-256 does not match the concatenated atoms';
        }
        if (broken) issue({ kind: 'file_corrupt', snapshot: snapshot.name, path: file.path, message: broken });
      }
    }

    // Positions whose atom is not recorded (no foreign key guards them: the engine does, and this checks it).
    const dangling = await sql.query<{ hash: string; path: string | null; snapshot: string | null }>(
      `SELECT fa.atom_hash AS hash, f.path, s.name AS snapshot FROM dedup_file_atoms fa
         LEFT JOIN dedup_atoms a ON a.hash = fa.atom_hash
         LEFT JOIN dedup_files f ON f.id = fa.file_id LEFT JOIN dedup_snapshots s ON s.id = f.snapshot_id
        WHERE a.hash IS NULL ${options.snapshot ? 'AND f.snapshot_id = $1' : ''} LIMIT 100`,
      options.snapshot ? [snapshots[0]!.id] : [],
    );
    for (const row of dangling) {
      issue({
        kind: 'atom_missing',
        atom: row.hash,
        ...(row.snapshot ? { snapshot: row.snapshot } : {}),
        ...(row.path ? { path: row.path } : {}),
        message: 'referenced by a file but not recorded in the metadata',
      });
    }

    if (!options.snapshot) {
      // Positions left behind by a file that is gone (a snapshot is deleted with its positions).
      const orphans = await sql.query<{ hash: string; n: number }>(
        `SELECT fa.atom_hash AS hash, count(*)::float8 AS n FROM dedup_file_atoms fa
          WHERE NOT EXISTS (SELECT 1 FROM dedup_files f WHERE f.id = fa.file_id) GROUP BY fa.atom_hash LIMIT 100`,
      );
      for (const row of orphans) {
        issue({
          kind: 'orphan_position',
          atom: row.hash,
          message: `${row.n} position(s) of files that no longer exist still reference it`,
        });
      }
    }
  } finally {
    store.close(); // the pack descriptors it opened
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

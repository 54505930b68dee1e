/**
 * Pages through a snapshot's files with their ordered atoms and where each atom is stored
 * (keyset pagination by path), so restore and verify handle any number of files in bounded
 * memory and read every atom straight from its pack.
 */
import type { SqlQueries } from '../../db/sql-runner.js';
import type { AtomLocation } from './atom-store.js';

/** A stored file with its atoms in order. */
export interface StoredFile {
  id: string;
  path: string;
  kind: 'file' | 'symlink';
  size: number;
  mode: number;
  mtimeNs: string;
  hash: string;
  linkTarget: string | null;
  atoms: AtomLocation[];
}

type Row = Omit<StoredFile, 'atoms'> & {
  atoms: string[] | null;
  packs: Array<string | null> | null;
  offsets: number[] | null;
  stored: number[] | null;
};

/** One page of files after `after` (every file when `first`), in the order of the (snapshot, path) index. */
function fetchPage(sql: SqlQueries, snapshotId: string, prefix: string, after: string, first: boolean, pageSize: number): Promise<Row[]> {
  return sql.query<Row>(
    // Keyset on the unique (snapshot_id, path) index, in the column's own collation, so a page
    // reads only its own rows; each file's positions come from one primary-key lookup per file
    // and each atom's location from one per position (LATERAL, the OFFSET 0 fence keeping the
    // planner from turning it back into a join), which stays right without statistics (PGlite
    // never gathers any, PostgreSQL not until autovacuum runs). Ordering by another collation, or
    // joining the page to every position and atom at once, made each page sort the snapshot or
    // scan every position or atom: quadratic over a restore (3.6 s of paging for 39k files on
    // PostgreSQL right after the ingest, 5.5 s on PGlite).
    `WITH page AS (
       SELECT f.id, f.path, f.kind, f.size, f.mode, f.mtime_ns, f.hash, f.link_target FROM dedup_files f
        WHERE f.snapshot_id = $1 AND ($2 = '' OR f.path = $2 OR starts_with(f.path, $2 || '/'))
          AND ($4::boolean OR f.path > $3)
        ORDER BY f.path LIMIT $5)
     SELECT p.id::text AS id, p.path, p.kind, p.size::float8 AS size, p.mode, p.mtime_ns::text AS "mtimeNs", p.hash, p.link_target AS "linkTarget",
            l.atoms, l.packs, l.offsets, l.stored
       FROM page p
       LEFT JOIN LATERAL (
         SELECT array_agg(fa.atom_hash ORDER BY fa.position) AS atoms, array_agg(a.pack ORDER BY fa.position) AS packs,
                array_agg(coalesce(a.pack_offset, 0)::float8 ORDER BY fa.position) AS offsets,
                array_agg(a.stored_size ORDER BY fa.position) AS stored
           FROM dedup_file_atoms fa
           CROSS JOIN LATERAL (SELECT pack, pack_offset, stored_size FROM dedup_atoms WHERE hash = fa.atom_hash OFFSET 0) a
          WHERE fa.file_id = p.id) l ON p.kind = 'file'
      ORDER BY p.path`,
    [snapshotId, prefix, after, first, pageSize],
  );
}

/**
 * Yields the files of a snapshot whose path is `prefix` or lies under it ('' = all). The next
 * page is already being fetched while the caller works through the current one.
 */
export async function* snapshotFiles(sql: SqlQueries, snapshotId: string, prefix = '', pageSize = 1000): AsyncGenerator<StoredFile> {
  // The prefetched page is held as settled data (rows or error), so a failure while the caller is
  // busy is not an unhandled rejection; it is thrown here when its turn comes.
  const settledPage = (after: string, first: boolean) =>
    fetchPage(sql, snapshotId, prefix, after, first, pageSize).then(
      (rows) => ({ rows, error: null }),
      (error: unknown) => ({ rows: [] as Row[], error }),
    );
  let pending = settledPage('', true);
  for (;;) {
    const { rows, error } = await pending;
    if (error) throw error;
    const more = rows.length === pageSize;
    if (more) pending = settledPage(rows[rows.length - 1]!.path, false);
    for (const { atoms, packs, offsets, stored, ...file } of rows) {
      yield {
        ...file,
        atoms: (atoms ?? []).map((hash, index) => ({
          hash,
          pack: packs![index] ?? null,
          offset: offsets![index]!,
          storedSize: stored![index]!,
        })),
      };
    }
    if (!more) return;
  }
}

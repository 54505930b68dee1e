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

/** Yields the files of a snapshot whose path is `prefix` or lies under it ('' = all). */
export async function* snapshotFiles(sql: SqlQueries, snapshotId: string, prefix = '', pageSize = 1000): AsyncGenerator<StoredFile> {
  let after = '';
  let first = true;
  for (;;) {
    const rows = await sql.query<Row>(
      // The page first, then its atoms and their locations in one join per page (a join per file
      // let PostgreSQL scan dedup_atoms once per file).
      `WITH page AS (
         SELECT f.id, f.path, f.kind, f.size, f.mode, f.mtime_ns, f.hash, f.link_target FROM dedup_files f
          WHERE f.snapshot_id = $1 AND ($2 = '' OR f.path = $2 OR starts_with(f.path, $2 || '/'))
            AND ($4::boolean OR f.path COLLATE "C" > $3 COLLATE "C")
          ORDER BY f.path COLLATE "C" LIMIT $5),
       located AS (
         SELECT fa.file_id, array_agg(fa.atom_hash ORDER BY fa.position) AS atoms, array_agg(a.pack ORDER BY fa.position) AS packs,
                array_agg(coalesce(a.pack_offset, 0)::float8 ORDER BY fa.position) AS offsets,
                array_agg(a.stored_size ORDER BY fa.position) AS stored
           FROM page JOIN dedup_file_atoms fa ON fa.file_id = page.id JOIN dedup_atoms a ON a.hash = fa.atom_hash
          GROUP BY fa.file_id)
       SELECT p.id::text AS id, p.path, p.kind, p.size::float8 AS size, p.mode, p.mtime_ns::text AS "mtimeNs", p.hash, p.link_target AS "linkTarget",
              l.atoms, l.packs, l.offsets, l.stored
         FROM page p LEFT JOIN located l ON l.file_id = p.id
        ORDER BY p.path COLLATE "C"`,
      [snapshotId, prefix, after, first, pageSize],
    );
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
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.path;
    first = false;
  }
}

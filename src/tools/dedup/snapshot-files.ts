/**
 * Pages through a snapshot's files with their ordered atoms (keyset pagination by path), so
 * restore and verify handle any number of files in bounded memory.
 */
import type { SqlQueries } from '../../db/sql-runner.js';

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
  atoms: string[];
}

/** Yields the files of a snapshot whose path is `prefix` or lies under it ('' = all). */
export async function* snapshotFiles(sql: SqlQueries, snapshotId: string, prefix = '', pageSize = 1000): AsyncGenerator<StoredFile> {
  let after = '';
  let first = true;
  for (;;) {
    const rows = await sql.query<StoredFile>(
      `SELECT f.id::text AS id, f.path, f.kind, f.size::float8 AS size, f.mode, f.mtime_ns::text AS "mtimeNs", f.hash, f.link_target AS "linkTarget",
              coalesce((SELECT array_agg(fa.atom_hash ORDER BY fa.position) FROM dedup_file_atoms fa WHERE fa.file_id = f.id), '{}') AS atoms
         FROM dedup_files f
        WHERE f.snapshot_id = $1 AND ($2 = '' OR f.path = $2 OR starts_with(f.path, $2 || '/'))
          AND ($4::boolean OR f.path COLLATE "C" > $3 COLLATE "C")
        ORDER BY f.path COLLATE "C" LIMIT $5`,
      [snapshotId, prefix, after, first, pageSize],
    );
    for (const row of rows) yield row;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.path;
    first = false;
  }
}

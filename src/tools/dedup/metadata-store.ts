/**
 * Dedup metadata in PostgreSQL/PGlite, written in large batches: one jsonb parameter per
 * statement feeds `jsonb_to_recordset`, so a batch of thousands of files costs a handful of
 * round trips on either backend. An atom's references are its rows in `dedup_file_atoms`
 * (counted when asked, never kept as a counter that every ingest would rewrite). Every write
 * of the dedup tables runs in a transaction holding one advisory lock, so concurrent ingests,
 * deletes and gc serialise their commits.
 */
import type { SqlQueries, SqlRunner } from '../../db/sql-runner.js';
import { ConflictError, NotFoundError } from '../../errors.js';

/** The advisory lock key of dedup metadata commits ("dedu"). */
export const DEDUP_LOCK_KEY = 0x64656475;

/** A snapshot row as the engine uses it. */
export interface SnapshotRow {
  id: string;
  name: string;
  rootPath: string;
  status: 'running' | 'complete';
  fileCount: number;
  totalBytes: number;
  createdAt: string;
  completedAt: string | null;
  report: Record<string, unknown>;
}

/** A file recorded by an earlier snapshot, to skip it when unchanged. */
export interface KnownFile {
  id: string;
  kind: string;
  size: number;
  mode: number;
  mtimeNs: string;
}

/** A new file row with its ordered atoms. */
export interface NewFileRow {
  path: string;
  kind: 'file' | 'symlink';
  size: number;
  mode: number;
  mtimeNs: string;
  hash: string;
  linkTarget: string | null;
  atoms: Array<{ hash: string; size: number }>;
}

/** A new atom's row: its id, size and where its stored bytes are in a pack. */
export interface NewAtomRow {
  hash: string;
  size: number;
  pack: string | null;
  offset: number;
  storedSize: number;
}

const SNAPSHOT_COLUMNS = `id, name, root_path AS "rootPath", status, file_count::float8 AS "fileCount", total_bytes::float8 AS "totalBytes",
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
  to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "completedAt", report`;

/** Finds a snapshot by name. */
export async function findSnapshot(sql: SqlQueries, name: string): Promise<SnapshotRow | null> {
  const rows = await sql.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM dedup_snapshots WHERE name = $1`, [name]);
  return rows[0] ?? null;
}

/** Finds a snapshot or throws NotFoundError. */
export async function requireSnapshot(sql: SqlQueries, name: string): Promise<SnapshotRow> {
  const snapshot = await findSnapshot(sql, name);
  if (!snapshot) throw new NotFoundError(`Snapshot ${JSON.stringify(name)}`);
  return snapshot;
}

/** Every snapshot, newest first. */
export async function listSnapshots(sql: SqlQueries): Promise<SnapshotRow[]> {
  return sql.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLUMNS} FROM dedup_snapshots ORDER BY created_at DESC, name`);
}

/** The newest complete snapshot (of a root path when given). */
export async function latestSnapshot(sql: SqlQueries, rootPath?: string, excludeId?: string): Promise<SnapshotRow | null> {
  const rows = await sql.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM dedup_snapshots
      WHERE status = 'complete' AND ($1::text IS NULL OR root_path = $1) AND ($2::uuid IS NULL OR id <> $2)
      ORDER BY created_at DESC LIMIT 1`,
    [rootPath ?? null, excludeId ?? null],
  );
  return rows[0] ?? null;
}

/** Starts a snapshot, or resumes an interrupted one of the same name and root. */
export async function beginSnapshot(sql: SqlRunner, name: string, rootPath: string): Promise<{ snapshot: SnapshotRow; resumed: boolean }> {
  return sql.transaction(async (tx) => {
    const existing = await findSnapshot(tx, name);
    if (existing) {
      if (existing.status === 'complete') throw new ConflictError(`Snapshot ${JSON.stringify(name)} already exists; choose another name`);
      if (existing.rootPath !== rootPath) {
        throw new ConflictError(`Interrupted snapshot ${JSON.stringify(name)} was of ${existing.rootPath}, not ${rootPath}`);
      }
      await tx.query(`UPDATE dedup_snapshots SET updated_at = now() WHERE id = $1`, [existing.id]);
      return { snapshot: existing, resumed: true };
    }
    await tx.query(`INSERT INTO dedup_snapshots (name, root_path) VALUES ($1, $2)`, [name, rootPath]);
    return { snapshot: (await findSnapshot(tx, name))!, resumed: false };
  }, DEDUP_LOCK_KEY);
}

/** Files of a snapshot by path (for skip-unchanged and resume). */
export async function loadKnownFiles(sql: SqlQueries, snapshotId: string): Promise<Map<string, KnownFile>> {
  const rows = await sql.query<KnownFile & { path: string }>(
    `SELECT id::text AS id, path, kind, size::float8 AS size, mode, mtime_ns::text AS "mtimeNs" FROM dedup_files WHERE snapshot_id = $1`,
    [snapshotId],
  );
  return new Map(rows.map((row) => [row.path, row]));
}

/** Calls `each` with every atom id recorded in the metadata, by keyset pages (for the ingest's atom index). */
export async function forEachAtomId(sql: SqlQueries, each: (hash: string) => void): Promise<number> {
  let after = '';
  let count = 0;
  for (;;) {
    const rows = await sql.query<{ hash: string }>(`SELECT hash FROM dedup_atoms WHERE hash > $1 ORDER BY hash LIMIT 50000`, [after]);
    for (const row of rows) each(row.hash);
    count += rows.length;
    if (rows.length < 50000) return count;
    after = rows[rows.length - 1]!.hash;
  }
}

/** The number of atoms recorded (to size the ingest's atom index). */
export async function countAtoms(sql: SqlQueries): Promise<number> {
  const [row] = await sql.query<{ count: number }>(`SELECT count(*)::float8 AS count FROM dedup_atoms`);
  return row!.count;
}

/**
 * Commits one batch: the atoms its workers appended to packs (durable already; an atom another
 * ingest recorded first keeps that first location), new files with their atoms, and unchanged
 * files copied from an earlier snapshot. Every atom a file references must be recorded by now
 * or in this batch: the batch is refused otherwise (the engine's check, in place of a foreign key).
 */
export async function commitBatch(
  sql: SqlRunner,
  snapshotId: string,
  files: NewFileRow[],
  copiedFileIds: string[],
  newAtoms: NewAtomRow[] = [],
): Promise<void> {
  if (files.length === 0 && copiedFileIds.length === 0 && newAtoms.length === 0) return;
  // The atoms this ingest's workers wrote (first location per hash), and every other atom the files reference.
  const written = new Map<string, { h: string; s: number; z: number; p: string | null; o: number | null }>();
  for (const atom of newAtoms) {
    if (!written.has(atom.hash)) written.set(atom.hash, { h: atom.hash, s: atom.size, z: atom.storedSize, p: atom.pack, o: atom.offset });
  }
  const referenced = new Set<string>();
  for (const file of files) for (const atom of file.atoms) if (!written.has(atom.hash)) referenced.add(atom.hash);
  const fileRows = files.map((file) => ({
    p: file.path,
    k: file.kind,
    s: file.size,
    m: file.mode,
    t: file.mtimeNs,
    h: file.hash,
    l: file.linkTarget,
    a: file.atoms.map((atom) => atom.hash),
  }));
  await sql.transaction(async (tx) => {
    if (written.size > 0) {
      // An atom recorded first by another ingest (another node) keeps that first location.
      await tx.query(
        `INSERT INTO dedup_atoms (hash, size, stored_size, pack, pack_offset)
         SELECT h, s, z, p, o FROM jsonb_to_recordset($1::jsonb) AS x(h text, s int, z int, p text, o bigint)
         ON CONFLICT (hash) DO NOTHING`,
        [JSON.stringify([...written.values()])],
      );
    }
    if (referenced.size > 0) {
      // Every other referenced atom was recorded before (gc refuses while this snapshot runs) or by an
      // earlier batch of this ingest: anything else is a bug, refused before commit. Reads only.
      const [missing] = await tx.query<{ hash: string }>(
        `SELECT value AS hash FROM jsonb_array_elements_text($1::jsonb)
          WHERE NOT EXISTS (SELECT 1 FROM dedup_atoms a WHERE a.hash = value) LIMIT 1`,
        [JSON.stringify([...referenced])],
      );
      if (missing) throw new Error(`atom ${missing.hash} referenced before it was stored; nothing of this batch was committed`);
    }
    if (fileRows.length > 0) {
      await tx.query(
        `WITH input AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(p text, k text, s bigint, m int, t bigint, h text, l text, a jsonb)),
         inserted AS (
           INSERT INTO dedup_files (snapshot_id, path, kind, size, mode, mtime_ns, hash, link_target, atom_count)
           SELECT $1, p, k, s, m, t, h, l, jsonb_array_length(a) FROM input RETURNING id, path)
         INSERT INTO dedup_file_atoms (file_id, position, atom_hash)
         SELECT inserted.id, element.ordinality - 1, element.value
           FROM inserted JOIN input ON input.p = inserted.path, jsonb_array_elements_text(input.a) WITH ORDINALITY AS element`,
        [snapshotId, JSON.stringify(fileRows)],
      );
    }
    const copiedBytes = copiedFileIds.length > 0 ? await copyFiles(tx, snapshotId, copiedFileIds) : 0;
    // Counted up per batch (inside the same transaction), not recounted: a recount scanned
    // every file of the snapshot at each commit, quadratic over a large ingest.
    await tx.query(
      `UPDATE dedup_snapshots SET file_count = file_count + $2, total_bytes = total_bytes + $3, updated_at = now() WHERE id = $1`,
      [snapshotId, files.length + copiedFileIds.length, files.reduce((sum, file) => sum + file.size, 0) + copiedBytes],
    );
  }, DEDUP_LOCK_KEY);
}

/** Copies unchanged files (rows and atom lists) into the snapshot; returns their bytes. */
async function copyFiles(tx: SqlQueries, snapshotId: string, fileIds: string[]): Promise<number> {
  const ids = JSON.stringify(fileIds);
  const [found] = await tx.query<{ count: number; bytes: number }>(
    `SELECT count(*)::int AS count, coalesce(sum(size), 0)::float8 AS bytes FROM dedup_files WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))`,
    [ids],
  );
  if (found!.count !== fileIds.length) throw new ConflictError('The previous snapshot changed during this ingest; run the ingest again');
  await tx.query(
    `WITH source AS (SELECT * FROM dedup_files WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($2::jsonb))),
     inserted AS (
       INSERT INTO dedup_files (snapshot_id, path, kind, size, mode, mtime_ns, hash, link_target, atom_count)
       SELECT $1, path, kind, size, mode, mtime_ns, hash, link_target, atom_count FROM source RETURNING id, path)
     INSERT INTO dedup_file_atoms (file_id, position, atom_hash)
     SELECT inserted.id, atom.position, atom.atom_hash
       FROM inserted JOIN source ON source.path = inserted.path JOIN dedup_file_atoms atom ON atom.file_id = source.id`,
    [snapshotId, ids],
  );
  return found!.bytes;
}

/** Marks a snapshot complete with its final report. */
export async function completeSnapshot(sql: SqlRunner, snapshotId: string, report: object): Promise<void> {
  await sql.query(
    `UPDATE dedup_snapshots SET status = 'complete', completed_at = now(), updated_at = now(), report = $2::jsonb WHERE id = $1`,
    [snapshotId, JSON.stringify(report)],
  );
}

/** Deletes a snapshot (complete, or interrupted: a rollback) with its files and their atom positions; gc then frees the atoms no one references. */
export async function deleteSnapshot(sql: SqlRunner, name: string): Promise<{ name: string; files: number }> {
  return sql.transaction(async (tx) => {
    const snapshot = await requireSnapshot(tx, name);
    const [counted] = await tx.query<{ count: number }>(`SELECT count(*)::int AS count FROM dedup_files WHERE snapshot_id = $1`, [
      snapshot.id,
    ]);
    // Positions first: no foreign key cascades them (see the dedup_engine_references migration).
    await tx.query(`DELETE FROM dedup_file_atoms WHERE file_id IN (SELECT id FROM dedup_files WHERE snapshot_id = $1)`, [snapshot.id]);
    await tx.query(`DELETE FROM dedup_snapshots WHERE id = $1`, [snapshot.id]);
    return { name, files: counted!.count };
  }, DEDUP_LOCK_KEY);
}

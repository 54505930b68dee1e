/**
 * Read-only questions about the store, answered in SQL: totals and ratios, the most reused
 * atoms and who holds them, files similar to a file, per-directory and per-type breakdowns,
 * and what changed between two snapshots. Shared by the CLI, REST and the `dedup_query` tool.
 */
import type { SqlQueries } from '../../db/sql-runner.js';
import { NotFoundError } from '../../errors.js';
import { normaliseSnapshotPath, validateSnapshotName } from './dedup-settings.js';
import { latestSnapshot, requireSnapshot, type SnapshotRow } from './metadata-store.js';

/** Totals and ratios, for one snapshot or the whole store. */
export interface DedupStats {
  snapshot: string | null;
  snapshots: number;
  files: number;
  duplicateFiles: number;
  logicalBytes: number;
  atomReferences: number;
  uniqueAtoms: number;
  uniqueBytes: number;
  storedBytes: number;
  storeAtoms: number;
  storeBytes: number;
  dedupRatio: number;
  compressionRatio: number;
  meanReuse: number;
}

const ratio = (numerator: number, denominator: number) => (denominator > 0 ? Math.round((numerator / denominator) * 1000) / 1000 : 0);

/** Resolves an optional snapshot name; without one, the newest complete snapshot (or null). */
export async function resolveSnapshot(sql: SqlQueries, name: string | undefined, required: boolean): Promise<SnapshotRow | null> {
  if (name) return requireSnapshot(sql, validateSnapshotName(name));
  const latest = await latestSnapshot(sql);
  if (!latest && required) throw new NotFoundError('Any complete snapshot (run `dedup ingest <dir>` first)');
  return latest;
}

/** Totals: files, bytes, atoms, dedup ratio (logical/unique), compression ratio (unique/stored), mean reuse. */
export async function dedupStats(sql: SqlQueries, snapshotName?: string): Promise<DedupStats> {
  const snapshot = snapshotName ? await resolveSnapshot(sql, snapshotName, true) : null;
  const [row] = await sql.query<Record<string, number>>(
    `WITH scoped AS (SELECT id, size, kind, hash FROM dedup_files WHERE $1::uuid IS NULL OR snapshot_id = $1),
          used AS (SELECT fa.atom_hash, count(*) AS n FROM dedup_file_atoms fa JOIN scoped ON scoped.id = fa.file_id GROUP BY fa.atom_hash)
     SELECT (SELECT count(*) FROM scoped)::float8 AS files,
            (SELECT count(*) - count(DISTINCT hash) FROM scoped WHERE kind = 'file')::float8 AS "duplicateFiles",
            (SELECT coalesce(sum(size), 0) FROM scoped)::float8 AS "logicalBytes",
            coalesce(sum(used.n), 0)::float8 AS "atomReferences",
            count(used.atom_hash)::float8 AS "uniqueAtoms",
            coalesce(sum(atom.size), 0)::float8 AS "uniqueBytes",
            coalesce(sum(atom.stored_size), 0)::float8 AS "storedBytes",
            (SELECT count(*) FROM dedup_atoms)::float8 AS "storeAtoms",
            (SELECT coalesce(sum(stored_size), 0) FROM dedup_atoms)::float8 AS "storeBytes",
            (SELECT count(*) FROM dedup_snapshots)::float8 AS snapshots
       FROM used JOIN dedup_atoms atom ON atom.hash = used.atom_hash`,
    [snapshot?.id ?? null],
  );
  const values = row!;
  return {
    snapshot: snapshot?.name ?? null,
    snapshots: values.snapshots!,
    files: values.files!,
    duplicateFiles: values.duplicateFiles!,
    logicalBytes: values.logicalBytes!,
    atomReferences: values.atomReferences!,
    uniqueAtoms: values.uniqueAtoms!,
    uniqueBytes: values.uniqueBytes!,
    storedBytes: values.storedBytes!,
    storeAtoms: values.storeAtoms!,
    storeBytes: values.storeBytes!,
    dedupRatio: ratio(values.logicalBytes!, values.uniqueBytes!),
    compressionRatio: ratio(values.uniqueBytes!, values.storedBytes!),
    meanReuse: ratio(values.atomReferences!, values.uniqueAtoms!),
  };
}

/** A reused atom and some files that hold it. */
export interface TopAtom {
  hash: string;
  size: number;
  references: number;
  savedBytes: number;
  files: Array<{ snapshot: string; path: string }>;
}

/** The most reused atoms (by references, or by bytes saved), with up to `filesPerAtom` holders each. */
export async function topAtoms(
  sql: SqlQueries,
  options: { snapshot?: string; limit?: number; by?: 'references' | 'bytes'; filesPerAtom?: number } = {},
): Promise<TopAtom[]> {
  const snapshot = options.snapshot ? await resolveSnapshot(sql, options.snapshot, true) : null;
  const order = options.by === 'bytes' ? '"savedBytes" DESC, "references" DESC' : '"references" DESC, "savedBytes" DESC';
  return sql.query<TopAtom>(
    `WITH counted AS (
       SELECT fa.atom_hash AS hash, count(*) AS refs FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id
        WHERE $1::uuid IS NULL OR f.snapshot_id = $1 GROUP BY fa.atom_hash HAVING count(*) > 1),
     ranked AS (
       SELECT counted.hash, atom.size, counted.refs::float8 AS "references", ((counted.refs - 1) * atom.size)::float8 AS "savedBytes"
         FROM counted JOIN dedup_atoms atom ON atom.hash = counted.hash ORDER BY ${order}, counted.hash LIMIT $2)
     SELECT ranked.*, coalesce((SELECT json_agg(holder) FROM (
         SELECT s.name AS snapshot, f.path FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id JOIN dedup_snapshots s ON s.id = f.snapshot_id
          WHERE fa.atom_hash = ranked.hash AND ($1::uuid IS NULL OR f.snapshot_id = $1)
          GROUP BY s.name, f.path ORDER BY f.path, s.name LIMIT $3) holder), '[]') AS files
       FROM ranked ORDER BY ${order}, ranked.hash`,
    [snapshot?.id ?? null, options.limit ?? 10, options.filesPerAtom ?? 5],
  );
}

/** A file that shares content with the given one. */
export interface SimilarFile {
  path: string;
  size: number;
  sharedBytes: number;
  sharedAtoms: number;
  /** Shared bytes over the larger of the two files: 1 means identical content. */
  similarity: number;
}

/** Files of the same snapshot sharing the most bytes (atoms) with `path`. */
export async function similarFiles(
  sql: SqlQueries,
  options: { path: string; snapshot?: string; limit?: number },
): Promise<{ snapshot: string; path: string; size: number; similar: SimilarFile[] }> {
  const snapshot = (await resolveSnapshot(sql, options.snapshot, true))!;
  const target = normaliseSnapshotPath(options.path);
  const [file] = await sql.query<{ id: string; size: number }>(
    `SELECT id::text AS id, size::float8 AS size FROM dedup_files WHERE snapshot_id = $1 AND path = $2`,
    [snapshot.id, target],
  );
  if (!file) throw new NotFoundError(`File ${JSON.stringify(target)} in snapshot ${snapshot.name}`);
  const similar = await sql.query<SimilarFile>(
    `WITH mine AS (SELECT DISTINCT atom_hash FROM dedup_file_atoms WHERE file_id = $1::bigint),
          pairs AS (SELECT DISTINCT fa.file_id, fa.atom_hash FROM dedup_file_atoms fa JOIN mine USING (atom_hash) WHERE fa.file_id <> $1::bigint),
          shared AS (SELECT pairs.file_id, sum(atom.size) AS bytes, count(*) AS atoms FROM pairs JOIN dedup_atoms atom ON atom.hash = pairs.atom_hash GROUP BY pairs.file_id)
     SELECT f.path, f.size::float8 AS size, shared.bytes::float8 AS "sharedBytes", shared.atoms::float8 AS "sharedAtoms",
            round((shared.bytes::numeric / greatest(f.size, $4::bigint, 1)), 4)::float8 AS similarity
       FROM shared JOIN dedup_files f ON f.id = shared.file_id
      WHERE f.snapshot_id = $2
      ORDER BY similarity DESC, "sharedBytes" DESC, f.path LIMIT $3`,
    [file.id, snapshot.id, options.limit ?? 10, file.size],
  );
  return { snapshot: snapshot.name, path: target, size: file.size, similar };
}

/** One row of a breakdown. */
export interface BreakdownRow {
  key: string;
  files: number;
  bytes: number;
  uniqueBytes: number;
  dedupRatio: number;
}

/** Files, bytes and unique bytes per directory (at `depth`) or per file extension. */
export async function breakdown(
  sql: SqlQueries,
  options: { by: 'directory' | 'type'; snapshot?: string; depth?: number; limit?: number },
): Promise<{ snapshot: string; by: string; rows: BreakdownRow[] }> {
  const snapshot = (await resolveSnapshot(sql, options.snapshot, true))!;
  const key =
    options.by === 'type'
      ? `coalesce(lower(substring(regexp_replace(path, '^.*/', '') from '.\\.([A-Za-z0-9_+-]{1,16})$')), '(none)')`
      : `CASE WHEN array_length(string_to_array(path, '/'), 1) <= $2 THEN coalesce(nullif(array_to_string((string_to_array(path, '/'))[1:array_length(string_to_array(path, '/'), 1) - 1], '/'), ''), '.')
              ELSE array_to_string((string_to_array(path, '/'))[1:$2], '/') END`;
  const rows = await sql.query<Omit<BreakdownRow, 'dedupRatio'>>(
    `WITH scoped AS (SELECT id, size, ${key} AS key FROM dedup_files WHERE snapshot_id = $1 AND $2::int > 0),
          grouped AS (SELECT key, count(*) AS files, sum(size) AS bytes FROM scoped GROUP BY key),
          uniques AS (SELECT distinct_atoms.key, sum(atom.size) AS bytes
                        FROM (SELECT DISTINCT scoped.key, fa.atom_hash FROM scoped JOIN dedup_file_atoms fa ON fa.file_id = scoped.id) distinct_atoms
                        JOIN dedup_atoms atom ON atom.hash = distinct_atoms.atom_hash GROUP BY distinct_atoms.key)
     SELECT grouped.key, grouped.files::float8 AS files, grouped.bytes::float8 AS bytes, coalesce(uniques.bytes, 0)::float8 AS "uniqueBytes"
       FROM grouped LEFT JOIN uniques USING (key) ORDER BY grouped.bytes DESC, grouped.key LIMIT $3`,
    [snapshot.id, options.depth ?? 1, options.limit ?? 20],
  );
  return { snapshot: snapshot.name, by: options.by, rows: rows.map((row) => ({ ...row, dedupRatio: ratio(row.bytes, row.uniqueBytes) })) };
}

/** What changed between two snapshots. */
export interface SnapshotDiff {
  from: string;
  to: string;
  added: { files: number; bytes: number };
  removed: { files: number; bytes: number };
  changed: { files: number; bytesBefore: number; bytesAfter: number };
  unchanged: number;
  /** Bytes of atoms `to` uses that `from` does not: what the new snapshot really added. */
  newUniqueBytes: number;
  entries: Array<{ path: string; change: 'added' | 'removed' | 'changed'; sizeBefore: number | null; sizeAfter: number | null }>;
}

/** Added, removed and changed files (by whole-file hash) between `from` and `to`. */
export async function diffSnapshots(sql: SqlQueries, options: { from: string; to: string; limit?: number }): Promise<SnapshotDiff> {
  const from = await requireSnapshot(sql, validateSnapshotName(options.from));
  const to = await requireSnapshot(sql, validateSnapshotName(options.to));
  const joined = `FROM (SELECT path, size, hash, kind FROM dedup_files WHERE snapshot_id = $1) before
                  FULL JOIN (SELECT path, size, hash, kind FROM dedup_files WHERE snapshot_id = $2) after ON before.path = after.path`;
  const change = `CASE WHEN before.path IS NULL THEN 'added' WHEN after.path IS NULL THEN 'removed'
                       WHEN before.hash <> after.hash OR before.kind <> after.kind THEN 'changed' ELSE 'unchanged' END`;
  const summary = await sql.query<{ change: string; files: number; before: number; after: number }>(
    `SELECT ${change} AS change, count(*)::float8 AS files, coalesce(sum(before.size), 0)::float8 AS before, coalesce(sum(after.size), 0)::float8 AS after
       ${joined} GROUP BY 1`,
    [from.id, to.id],
  );
  const entries = await sql.query<SnapshotDiff['entries'][number]>(
    `SELECT coalesce(after.path, before.path) AS path, ${change} AS change, before.size::float8 AS "sizeBefore", after.size::float8 AS "sizeAfter"
       ${joined} WHERE ${change} <> 'unchanged' ORDER BY 1 LIMIT $3`,
    [from.id, to.id, options.limit ?? 100],
  );
  const [unique] = await sql.query<{ bytes: number }>(
    `SELECT coalesce(sum(atom.size), 0)::float8 AS bytes FROM dedup_atoms atom WHERE atom.hash IN (
       SELECT fa.atom_hash FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id WHERE f.snapshot_id = $2
       EXCEPT SELECT fa.atom_hash FROM dedup_file_atoms fa JOIN dedup_files f ON f.id = fa.file_id WHERE f.snapshot_id = $1)`,
    [from.id, to.id],
  );
  const pick = (name: string) => summary.find((row) => row.change === name) ?? { files: 0, before: 0, after: 0 };
  return {
    from: from.name,
    to: to.name,
    added: { files: pick('added').files, bytes: pick('added').after },
    removed: { files: pick('removed').files, bytes: pick('removed').before },
    changed: { files: pick('changed').files, bytesBefore: pick('changed').before, bytesAfter: pick('changed').after },
    unchanged: pick('unchanged').files,
    newUniqueBytes: unique!.bytes,
    entries,
  };
}

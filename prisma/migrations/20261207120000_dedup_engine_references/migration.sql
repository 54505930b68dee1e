-- Dedup metadata speed (issue 24). A profile of an ingest of node_modules (39k files, 102k file
-- positions) spent 1.2 s of its 3.9 s of commits on PostgreSQL, and a third of them on PGlite, in
-- the two foreign-key triggers of dedup_file_atoms: one lookup per position into dedup_files and
-- one into dedup_atoms. Both guarantees are kept by the engine instead, under the dedup advisory
-- lock that every writer of these tables holds:
-- - an atom a position references exists: commitBatch upserts every atom of a batch in the same
--   transaction and refuses the batch when one was neither recorded nor written; gc deletes an
--   atom only when no position references it; verify reports any position whose atom is missing;
-- - positions go with their file: deleteSnapshot deletes them before the files.
-- The ref_count index goes too: gc is its only reader (a rare sequential scan), and without it a
-- reference-count update no longer writes an index entry per atom.
ALTER TABLE "dedup_file_atoms" DROP CONSTRAINT "dedup_file_atoms_file_id_fkey";
ALTER TABLE "dedup_file_atoms" DROP CONSTRAINT "dedup_file_atoms_atom_hash_fkey";
DROP INDEX "dedup_atoms_ref_count_idx";

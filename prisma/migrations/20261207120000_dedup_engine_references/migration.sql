-- Dedup metadata speed (issue 24). A profile of an ingest of node_modules (39k files, 102k file
-- positions) spent 1.2 s of its 3.9 s of commits on PostgreSQL, and a third of them on PGlite, in
-- the two foreign-key triggers of dedup_file_atoms: one lookup per position into dedup_files and
-- one into dedup_atoms. Both guarantees are kept by the engine instead, under the dedup advisory
-- lock that every writer of these tables holds:
-- - an atom a position references exists: commitBatch records the atoms its ingest wrote and, in
--   the same transaction, refuses the batch when any other atom it references is not recorded; gc
--   deletes an atom only when no position references it; verify reports a position whose atom is
--   missing;
-- - positions go with their file: deleteSnapshot deletes them before the files.
ALTER TABLE "dedup_file_atoms" DROP CONSTRAINT "dedup_file_atoms_file_id_fkey";
ALTER TABLE "dedup_file_atoms" DROP CONSTRAINT "dedup_file_atoms_atom_hash_fkey";
-- Reference counts go as well: a warm ingest rewrote one counter row per atom (84k updates, 1.1 s
-- of 2.7 s of commits on PostgreSQL) to keep a number that dedup_file_atoms holds already. An
-- atom's references are now counted from its positions (atom_hash is indexed) when asked: gc
-- deletes atoms no position references, `dedup atom` counts them, verify checks the links.
ALTER TABLE "dedup_atoms" DROP COLUMN "ref_count";

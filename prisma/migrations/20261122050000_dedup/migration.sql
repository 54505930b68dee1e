-- Dedup store metadata: snapshots (one ingest of a root path), their files, the atoms
-- (content-addressed chunks, with a reference count) and the ordered atoms of each file.
CREATE TABLE "dedup_snapshots" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "root_path" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "file_count" BIGINT NOT NULL DEFAULT 0,
    "total_bytes" BIGINT NOT NULL DEFAULT 0,
    "report" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "dedup_snapshots_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "dedup_snapshots_status_check" CHECK ("status" IN ('running', 'complete'))
);
CREATE UNIQUE INDEX "dedup_snapshots_name_key" ON "dedup_snapshots"("name");
CREATE INDEX "dedup_snapshots_root_path_created_at_idx" ON "dedup_snapshots"("root_path", "created_at");

CREATE TABLE "dedup_atoms" (
    "hash" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "stored_size" INTEGER NOT NULL,
    "ref_count" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "dedup_atoms_pkey" PRIMARY KEY ("hash"),
    CONSTRAINT "dedup_atoms_ref_count_check" CHECK ("ref_count" >= 0)
);
CREATE INDEX "dedup_atoms_ref_count_idx" ON "dedup_atoms"("ref_count");

CREATE TABLE "dedup_files" (
    "id" BIGSERIAL NOT NULL,
    "snapshot_id" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'file',
    "size" BIGINT NOT NULL,
    "mode" INTEGER NOT NULL,
    "mtime_ns" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "link_target" TEXT,
    "atom_count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "dedup_files_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "dedup_files_kind_check" CHECK ("kind" IN ('file', 'symlink'))
);
CREATE UNIQUE INDEX "dedup_files_snapshot_id_path_key" ON "dedup_files"("snapshot_id", "path");
CREATE INDEX "dedup_files_hash_idx" ON "dedup_files"("hash");
ALTER TABLE "dedup_files" ADD CONSTRAINT "dedup_files_snapshot_id_fkey" FOREIGN KEY ("snapshot_id") REFERENCES "dedup_snapshots"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "dedup_file_atoms" (
    "file_id" BIGINT NOT NULL,
    "position" INTEGER NOT NULL,
    "atom_hash" TEXT NOT NULL,
    CONSTRAINT "dedup_file_atoms_pkey" PRIMARY KEY ("file_id", "position")
);
CREATE INDEX "dedup_file_atoms_atom_hash_idx" ON "dedup_file_atoms"("atom_hash");
ALTER TABLE "dedup_file_atoms" ADD CONSTRAINT "dedup_file_atoms_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "dedup_files"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "dedup_file_atoms" ADD CONSTRAINT "dedup_file_atoms_atom_hash_fkey" FOREIGN KEY ("atom_hash") REFERENCES "dedup_atoms"("hash") ON DELETE RESTRICT ON UPDATE CASCADE;

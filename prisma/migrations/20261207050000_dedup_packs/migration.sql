-- Dedup pack files (issue 24): new atoms are appended to pack files (DEDUP_DIR/packs/<2 hex>/<id>.pack)
-- instead of one file per atom. An atom's location is its pack id (32 hex digits, random, so two
-- nodes sharing a store never write the same pack) and the offset of its header byte in it; its
-- length is stored_size. Both are null for atoms of the older one-file-per-atom format
-- (DEDUP_DIR/atoms/<2 hex>/<sha-256>), which stay readable as they are.
ALTER TABLE "dedup_atoms" ADD COLUMN "pack" TEXT, ADD COLUMN "pack_offset" BIGINT;
ALTER TABLE "dedup_atoms" ADD CONSTRAINT "dedup_atoms_pack_check" CHECK (("pack" IS NULL) = ("pack_offset" IS NULL));

-- Knowledge base: passage-level lexical search (English and French stems) beside the
-- existing HNSW vector index, one document per source path, and a search index of audit
-- events so "who changed eth0 QoS last week?" finds them.
ALTER TABLE "document_chunks" ADD COLUMN "search_vector" tsvector;
ALTER TABLE "document_chunks" ADD COLUMN "embedding_dim" INTEGER;
CREATE INDEX "document_chunks_search_vector_idx" ON "document_chunks" USING GIN ("search_vector");
CREATE INDEX "document_chunks_document_id_idx" ON "document_chunks"("document_id");
CREATE UNIQUE INDEX "documents_source_url_key" ON "documents"("source_url");

CREATE TABLE "audit_event_index" (
    "event_id" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "text" TEXT NOT NULL,
    "search_vector" tsvector,
    "embedding" vector(384),
    CONSTRAINT "audit_event_index_pkey" PRIMARY KEY ("event_id")
);
CREATE INDEX "audit_event_index_search_vector_idx" ON "audit_event_index" USING GIN ("search_vector");
CREATE INDEX "audit_event_index_embedding_hnsw_idx" ON "audit_event_index" USING hnsw ("embedding" vector_cosine_ops);
CREATE INDEX "audit_event_index_created_at_idx" ON "audit_event_index"("created_at");

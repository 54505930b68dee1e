-- Service catalog (issue 8): French-aware full-text (unaccent + french stemming, prefix
-- matching), trigram typo correction over a lexicon, pgvector similarity and a geo radius.
-- Works unchanged on PostgreSQL 15+ (contrib) and PGlite (pg_trgm, unaccent contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (it reads a dictionary); generated columns and indexes need an
-- IMMUTABLE wrapper that names the dictionary explicitly.
CREATE OR REPLACE FUNCTION "vigie_unaccent"(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- French stemming after accent folding: "électricien" and "electricien" give one lexeme.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'vigie_french') THEN
        CREATE TEXT SEARCH CONFIGURATION "vigie_french" (COPY = pg_catalog.french);
        ALTER TEXT SEARCH CONFIGURATION "vigie_french"
            ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, french_stem;
    END IF;
END
$$;

-- Great-circle distance in kilometres (haversine, mean Earth radius 6371.0088 km).
CREATE OR REPLACE FUNCTION "vigie_haversine_km"(lat1 float8, lon1 float8, lat2 float8, lon2 float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
        SELECT 2 * 6371.0088 * asin(least(1, sqrt(
            power(sin(radians(lat2 - lat1) / 2), 2) +
            cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))))
    $$;

CREATE TABLE "service_categories" (
    "slug" VARCHAR(64) NOT NULL,
    "label" VARCHAR(120) NOT NULL,
    "keywords" TEXT[] NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "service_categories_pkey" PRIMARY KEY ("slug")
);

CREATE TABLE "services" (
    "id" UUID NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "description" VARCHAR(4000) NOT NULL DEFAULT '',
    "category" VARCHAR(64) NOT NULL,
    "keywords" VARCHAR(2000) NOT NULL DEFAULT '',
    "price_min" NUMERIC(14, 2),
    "price_max" NUMERIC(14, 2),
    "currency" VARCHAR(3),
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "city" VARCHAR(120),
    "availability" VARCHAR(300),
    "status" VARCHAR(16) NOT NULL DEFAULT 'active',
    "owner_id" UUID,
    "contact" VARCHAR(200),
    "embedding" vector(384),
    "embedding_model" VARCHAR(200),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "search_vector" tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('vigie_french', "title"), 'A') ||
        setweight(to_tsvector('vigie_french', "keywords"), 'B') ||
        setweight(to_tsvector('vigie_french', "description"), 'C') ||
        setweight(to_tsvector('vigie_french', coalesce("city", '')), 'D')
    ) STORED,
    CONSTRAINT "services_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "services_status_check" CHECK ("status" IN ('active', 'paused', 'archived')),
    CONSTRAINT "services_price_check" CHECK (("price_min" IS NULL OR "price_min" >= 0) AND ("price_max" IS NULL OR "price_max" >= coalesce("price_min", 0))),
    CONSTRAINT "services_location_check" CHECK (("latitude" IS NULL) = ("longitude" IS NULL)
        AND ("latitude" IS NULL OR "latitude" BETWEEN -90 AND 90) AND ("longitude" IS NULL OR "longitude" BETWEEN -180 AND 180))
);
CREATE INDEX "services_search_vector_idx" ON "services" USING GIN ("search_vector");
CREATE INDEX "services_embedding_hnsw_idx" ON "services" USING hnsw ("embedding" vector_cosine_ops);
-- Radius searches: a 2-D GiST index on (longitude, latitude) answers the bounding box; the
-- exact haversine distance is then checked on the few rows inside it.
CREATE INDEX "services_location_gist_idx" ON "services" USING gist (point("longitude", "latitude"));
CREATE INDEX "services_category_created_at_id_idx" ON "services" ("category", "created_at" DESC, "id" DESC);
CREATE INDEX "services_created_at_id_idx" ON "services" ("created_at" DESC, "id" DESC);
ALTER TABLE "services" ADD CONSTRAINT "services_category_fkey" FOREIGN KEY ("category") REFERENCES "service_categories"("slug") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "services" ADD CONSTRAINT "services_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Folded words seen in titles and keywords: query words are corrected against it by
-- trigram similarity ("plombeir" → "plombier") before full-text matching.
CREATE TABLE "service_terms" (
    "term" VARCHAR(64) NOT NULL,
    CONSTRAINT "service_terms_pkey" PRIMARY KEY ("term")
);
CREATE INDEX "service_terms_term_trgm_idx" ON "service_terms" USING GIN ("term" gin_trgm_ops);

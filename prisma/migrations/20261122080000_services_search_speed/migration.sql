-- Service search speed (issue 8): bounded, heap-free geo and text-near candidate lists.

-- The haversine helper was STRICT around a body that calls least() (not strict), which
-- stops PostgreSQL from inlining it: every row paid a SQL-function call (~2 µs). Without
-- STRICT the body is inlined into the query, constants folded (NULL inputs still give NULL).
CREATE OR REPLACE FUNCTION "vigie_haversine_km"(lat1 float8, lon1 float8, lat2 float8, lon2 float8) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT 2 * 6371.0088 * asin(least(1, sqrt(
            power(sin(radians(lat2 - lat1) / 2), 2) +
            cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))))
    $$;

-- Searches only ever read active listings. This partial GiST index answers a bounding box
-- and, in the same descent, a tsquery (on the tsvector's signature), nearest first (KNN);
-- it carries every column the geo, category-near and text-near candidate lists read
-- (including the tsvector itself, for rechecks and ranking), so those lists are index-only
-- scans that stop after their LIMIT and never touch the heap.
CREATE INDEX "services_active_location_idx" ON "services" USING gist (point("longitude", "latitude"), "search_vector")
    INCLUDE ("id", "latitude", "longitude", "category", "price_min", "price_max", "search_vector")
    WHERE "status" = 'active';
DROP INDEX IF EXISTS "services_location_gist_idx";

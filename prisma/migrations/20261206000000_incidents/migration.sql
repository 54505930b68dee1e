-- Incidents (src/incidents): alert sources with their tokens, one incident per open alert
-- group, and each incident's timeline. At most one open (not resolved) incident per source
-- and group key, enforced by a partial unique index, so concurrent notifications of the same
-- group can never open two threads; a group that fires again after resolving opens a new
-- incident linked to the previous one.
CREATE TABLE "incident_hooks" (
    "id" UUID NOT NULL,
    "source" VARCHAR(20) NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "secret" VARCHAR(200),
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "incident_hooks_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "incident_hooks_source_check" CHECK ("source" IN ('alertmanager', 'grafana')),
    CONSTRAINT "incident_hooks_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "incident_hooks_token_hash_key" ON "incident_hooks"("token_hash");
CREATE UNIQUE INDEX "incident_hooks_source_name_key" ON "incident_hooks"("source", "name");

CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "source" VARCHAR(20) NOT NULL,
    "hook_id" UUID,
    "group_key" VARCHAR(1000) NOT NULL,
    "fingerprints" JSONB NOT NULL DEFAULT '[]',
    "status" VARCHAR(20) NOT NULL,
    "severity" VARCHAR(50) NOT NULL,
    "alert_name" VARCHAR(200) NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "annotations" JSONB NOT NULL DEFAULT '{}',
    "route" VARCHAR(100),
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3),
    "duration_ms" BIGINT,
    "notifications" INTEGER NOT NULL DEFAULT 1,
    "conversation_id" UUID,
    "previous_id" UUID,
    "threads" JSONB NOT NULL DEFAULT '{}',
    "acknowledged_by" VARCHAR(200),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "incidents_status_check" CHECK ("status" IN ('firing', 'acknowledged', 'resolved')),
    CONSTRAINT "incidents_hook_id_fkey" FOREIGN KEY ("hook_id") REFERENCES "incident_hooks"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "incidents_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "incidents_previous_id_fkey" FOREIGN KEY ("previous_id") REFERENCES "incidents"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "incidents_open_group_key" ON "incidents"("source", "group_key") WHERE "status" <> 'resolved';
CREATE INDEX "incidents_created_at_idx" ON "incidents"("created_at" DESC, "id" DESC);
CREATE INDEX "incidents_source_group_key_idx" ON "incidents"("source", "group_key", "created_at" DESC);

CREATE TABLE "incident_events" (
    "id" BIGSERIAL NOT NULL,
    "incident_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" VARCHAR(40) NOT NULL,
    "actor" VARCHAR(200) NOT NULL,
    "channel" "Channel" NOT NULL DEFAULT 'system',
    "details" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "incident_events_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "incident_events_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "incident_events_incident_id_id_idx" ON "incident_events"("incident_id", "id");

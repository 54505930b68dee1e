-- Network analysis reports (src/tools/network): one row per run, kept so that a run can be
-- compared with an earlier one ("compare with yesterday").
CREATE TABLE "network_reports" (
    "id" UUID NOT NULL,
    "user_id" UUID,
    "channel" "Channel" NOT NULL DEFAULT 'api',
    "target_key" VARCHAR(2000) NOT NULL,
    "targets" JSONB NOT NULL,
    "checks" JSONB NOT NULL,
    "worst_severity" VARCHAR(16) NOT NULL,
    "summary" TEXT NOT NULL,
    "findings" JSONB NOT NULL,
    "measurements" JSONB NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "network_reports_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "network_reports_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE
);

CREATE INDEX "network_reports_target_key_created_at_idx" ON "network_reports"("target_key", "created_at" DESC);
CREATE INDEX "network_reports_created_at_idx" ON "network_reports"("created_at" DESC);

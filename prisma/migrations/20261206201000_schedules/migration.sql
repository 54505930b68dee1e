-- Scheduled checks (src/incidents/schedule-*): a read-only tool command run every interval
-- as `system:schedules`, its results stored and compared with the previous run. A check that
-- fails N times in a row opens an incident (source `schedule`) and resolves it after N healthy
-- runs. One row per run and scheduled slot (unique), so a retried or duplicated job can never
-- record an interval twice, whichever node ran it.
CREATE TABLE "schedules" (
    "id" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "command" VARCHAR(500) NOT NULL,
    "tool" VARCHAR(100) NOT NULL,
    "args" JSONB NOT NULL DEFAULT '{}',
    "interval_ms" INTEGER NOT NULL,
    "fail_threshold" INTEGER NOT NULL DEFAULT 2,
    "recover_threshold" INTEGER NOT NULL DEFAULT 2,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" UUID,
    "last_run_at" TIMESTAMPTZ(3),
    "last_status" VARCHAR(20),
    "last_summary" VARCHAR(1000),
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "consecutive_successes" INTEGER NOT NULL DEFAULT 0,
    "alerting" BOOLEAN NOT NULL DEFAULT false,
    "runs" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "schedules_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "schedules_interval_check" CHECK ("interval_ms" >= 1000 AND "interval_ms" <= 604800000),
    CONSTRAINT "schedules_thresholds_check" CHECK ("fail_threshold" BETWEEN 1 AND 100 AND "recover_threshold" BETWEEN 1 AND 100),
    CONSTRAINT "schedules_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "schedules_name_key" ON "schedules"("name");

CREATE TABLE "schedule_runs" (
    "id" BIGSERIAL NOT NULL,
    "schedule_id" UUID NOT NULL,
    "slot" TIMESTAMPTZ(3) NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "node" VARCHAR(100) NOT NULL,
    "status" VARCHAR(20) NOT NULL,
    "healthy" BOOLEAN NOT NULL,
    "summary" VARCHAR(1000) NOT NULL,
    "result" JSONB,
    "execution_id" UUID,
    "previous_id" BIGINT,
    "changed" BOOLEAN NOT NULL,
    "lateness_ms" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "schedule_runs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "schedule_runs_status_check" CHECK ("status" IN ('healthy', 'failing', 'error', 'refused')),
    CONSTRAINT "schedule_runs_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "schedule_runs_schedule_id_slot_key" ON "schedule_runs"("schedule_id", "slot");
CREATE INDEX "schedule_runs_schedule_id_id_idx" ON "schedule_runs"("schedule_id", "id" DESC);

-- Tool executions: one row per request to run a tool, from proposal to result. The audit
-- trail records every transition; this table holds the current state and the result.
CREATE TABLE "executions" (
    "id" UUID NOT NULL,
    "tool" VARCHAR(100) NOT NULL,
    "toolset" VARCHAR(100) NOT NULL,
    "risk_level" VARCHAR(20) NOT NULL,
    "arguments" JSONB NOT NULL DEFAULT '{}',
    "status" VARCHAR(30) NOT NULL,
    "requester_id" UUID NOT NULL,
    "requester_name" VARCHAR(200) NOT NULL,
    "requester_role" "Role" NOT NULL DEFAULT 'viewer',
    "channel" "Channel" NOT NULL DEFAULT 'api',
    "external_ids" JSONB NOT NULL DEFAULT '{}',
    "conversation_id" UUID,
    "approver_id" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,
    "result" JSONB,
    "progress" JSONB,
    "trace_id" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "executions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "executions_status_expires_at_idx" ON "executions"("status", "expires_at");
CREATE INDEX "executions_requester_id_created_at_idx" ON "executions"("requester_id", "created_at" DESC);
CREATE INDEX "executions_conversation_id_created_at_idx" ON "executions"("conversation_id", "created_at");
CREATE INDEX "audit_events_execution_id_idx" ON "audit_events"("execution_id");

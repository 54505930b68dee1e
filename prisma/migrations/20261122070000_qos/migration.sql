-- QoS toolset: every applied policy with the snapshot taken before it, so any application
-- can be rolled back (by an operator, or automatically when not confirmed in time).
CREATE TABLE "qos_applications" (
    "id" UUID NOT NULL,
    "execution_id" VARCHAR(100),
    "interface" VARCHAR(15) NOT NULL,
    "device" VARCHAR(15) NOT NULL,
    "namespace" VARCHAR(64),
    "direction" VARCHAR(10) NOT NULL DEFAULT 'egress',
    "intent" TEXT,
    "policy" JSONB NOT NULL,
    "batch" TEXT NOT NULL,
    "snapshot" JSONB NOT NULL,
    "status" VARCHAR(30) NOT NULL,
    "error" TEXT,
    "confirm_deadline" TIMESTAMPTZ(3),
    "applied_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qos_applications_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "qos_applications_interface_created_at_idx" ON "qos_applications"("interface", "created_at" DESC);
CREATE INDEX "qos_applications_execution_id_idx" ON "qos_applications"("execution_id");
CREATE INDEX "qos_applications_status_idx" ON "qos_applications"("status");

-- MCP both ways: the `mcp` channel (calls from MCP clients of Vigie's own server) and the
-- external MCP servers admins register, whose tools join the registry as `<server>.<tool>`.
ALTER TYPE "Channel" ADD VALUE IF NOT EXISTS 'mcp';

CREATE TABLE "mcp_servers" (
    "id" UUID NOT NULL,
    "name" VARCHAR(40) NOT NULL,
    "transport" VARCHAR(10) NOT NULL,
    "command" VARCHAR(500),
    "args" JSONB NOT NULL DEFAULT '[]',
    "env" JSONB NOT NULL DEFAULT '{}',
    "url" VARCHAR(2000),
    "headers" JSONB NOT NULL DEFAULT '{}',
    "risk_level" VARCHAR(20) NOT NULL DEFAULT 'disruptive',
    "tool_risks" JSONB NOT NULL DEFAULT '{}',
    "min_role" "Role" NOT NULL DEFAULT 'operator',
    "timeout_ms" INTEGER NOT NULL DEFAULT 60000,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "mcp_servers_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "mcp_servers_name_key" ON "mcp_servers"("name");

-- Result views (issue 23): what approving an execution will do (the QoS diff and tc commands,
-- the probed targets, the service draft), computed when the approval is requested and shown
-- on approval cards in every channel. NULL for executions that needed no approval.
ALTER TABLE "executions" ADD COLUMN IF NOT EXISTS "preview" JSONB;

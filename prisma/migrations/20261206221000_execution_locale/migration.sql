-- French and English everywhere (issue 23): the requester's language travels with the
-- execution, so its result view, approval preview and outcome line are written in it, even
-- when it runs later (after an approval, on another node). NULL: the default language.
ALTER TABLE "executions" ADD COLUMN IF NOT EXISTS "locale" VARCHAR(8);

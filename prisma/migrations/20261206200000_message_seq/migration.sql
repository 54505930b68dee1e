-- Per-conversation message sequence numbers (issue #20): every message gets a monotonic
-- `seq` within its conversation, the ground truth clients use to detect and fill gaps.
-- The counter lives on the conversation row; a BEFORE INSERT trigger increments it and
-- copies it into the new message. The UPDATE locks the conversation row until the inserting
-- transaction ends, so within one conversation seqs commit in order (a reader never sees
-- seq n+1 without n, unless n was rolled back, which also rolls back its increment).
ALTER TABLE "conversations" ADD COLUMN "last_message_seq" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "messages" ADD COLUMN "seq" INTEGER NOT NULL DEFAULT 0;

-- Backfill: existing messages numbered in their historical order.
UPDATE "messages" AS m SET "seq" = numbered.rn
FROM (
  SELECT "id", row_number() OVER (PARTITION BY "conversation_id" ORDER BY "created_at", "id") AS rn
  FROM "messages"
) AS numbered
WHERE m."id" = numbered."id";
UPDATE "conversations" AS c SET "last_message_seq" = counted.max_seq
FROM (SELECT "conversation_id", max("seq") AS max_seq FROM "messages" GROUP BY "conversation_id") AS counted
WHERE c."id" = counted."conversation_id";

CREATE UNIQUE INDEX "messages_conversation_id_seq_key" ON "messages"("conversation_id", "seq");

CREATE FUNCTION "messages_assign_seq"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "conversations" SET "last_message_seq" = "last_message_seq" + 1
  WHERE "id" = NEW."conversation_id"
  RETURNING "last_message_seq" INTO NEW."seq";
  IF NEW."seq" IS NULL THEN
    RAISE EXCEPTION 'conversation % does not exist', NEW."conversation_id" USING ERRCODE = '23503';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "messages_assign_seq"
  BEFORE INSERT ON "messages"
  FOR EACH ROW EXECUTE FUNCTION "messages_assign_seq"();

-- seq is owned by the trigger: an UPDATE may not change it.
CREATE FUNCTION "messages_keep_seq"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."seq" := OLD."seq";
  RETURN NEW;
END;
$$;

CREATE TRIGGER "messages_keep_seq"
  BEFORE UPDATE OF "seq" ON "messages"
  FOR EACH ROW EXECUTE FUNCTION "messages_keep_seq"();

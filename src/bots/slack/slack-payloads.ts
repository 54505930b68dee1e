/**
 * Zod shapes of the Slack payload fields we use: anything malformed is ignored with a log
 * line instead of reaching the pipeline half-parsed.
 */
import { z } from 'zod';

const slackId = z.string().regex(/^[A-Z0-9]{2,32}$/i);
const timestamp = z.string().regex(/^\d{1,12}\.\d{1,8}$/);

/** A user's message in a channel (app_mention) or a DM (message with channel_type im). */
export const slackMessageEventSchema = z.object({
  user: slackId,
  channel: slackId,
  text: z.string(),
  ts: timestamp,
  thread_ts: timestamp.optional(),
  channel_type: z.string().optional(),
  subtype: z.undefined().optional(),
  bot_id: z.undefined().optional(),
});

/** Envelope fields of an Events API delivery. */
export const slackEventEnvelopeSchema = z.object({ team_id: slackId, event_id: z.string().min(1).max(64) });

/** The `/vigie` slash command. */
export const slackCommandSchema = z.object({
  team_id: slackId,
  channel_id: slackId,
  user_id: slackId,
  text: z.string(),
  trigger_id: z.string().min(1).max(100),
});

/** An Approve/Deny click. */
export const slackBlockActionSchema = z.object({
  user: z.object({ id: slackId, team_id: slackId.optional() }),
  team: z.object({ id: slackId }).nullish(),
  channel: z.object({ id: slackId }),
  message: z.object({ ts: timestamp, text: z.string().optional(), blocks: z.array(z.record(z.string(), z.unknown())).optional() }),
});

/**
 * zod schemas for every client payload: the socket boundary is validated exactly like REST,
 * and a bad payload gets a `validation_error` ack naming the field.
 */
import { z } from 'zod';

const conversationId = z.uuid();

/** `conversation:join`. */
export const joinPayload = z.strictObject({ conversationId, since: z.iso.datetime({ offset: true }).optional() });
/** `conversation:leave` and `typing`. */
export const conversationPayload = z.strictObject({ conversationId });
/** `message:send`: the same limits as the REST message body. */
export const sendPayload = z.strictObject({
  conversationId,
  content: z.string().trim().min(1).max(32_000),
  clientMessageId: z.string().min(1).max(100),
});
/** `execution:approve` and `execution:deny`. */
export const executionPayload = z.strictObject({
  executionId: z.uuid({ error: 'must be a UUID' }),
  /** Why it is denied (shown in the conversation and audited); ignored on approve. */
  reason: z.string().trim().max(500).optional(),
});

/**
 * zod schemas for every client payload: the socket boundary is validated exactly like REST,
 * and a bad payload gets a `validation_error` ack naming the field.
 */
import { z } from 'zod';
import { MAX_SYNC_LIMIT } from '../../actions/message-sync.js';
import { CATCH_UP_REASONS } from './catch-up-metrics.js';

const conversationId = z.uuid();

/** A sequence number a client holds (0: nothing yet). */
const afterSeq = z.number().int().min(0).max(2_147_483_647);
/** Catch-up page size. */
const limit = z.number().int().min(1).max(MAX_SYNC_LIMIT);

/**
 * `conversation:join`: `afterSeq` (preferred) or `since` (ISO time, legacy) asks for the
 * first catch-up page; both given is ambiguous and refused.
 */
export const joinPayload = z
  .strictObject({
    conversationId,
    since: z.iso.datetime({ offset: true }).optional(),
    afterSeq: afterSeq.optional(),
    limit: limit.optional(),
  })
  .refine((value) => value.since === undefined || value.afterSeq === undefined, {
    message: 'give since or afterSeq, not both',
    path: ['afterSeq'],
  });
/** `conversation:sync`: the messages after `afterSeq`, one page. */
export const syncPayload = z.strictObject({
  conversationId,
  afterSeq,
  limit: limit.optional(),
  reason: z.enum(CATCH_UP_REASONS).optional(),
});
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

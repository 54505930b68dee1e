/**
 * Socket messages are stored by group commit (issue #18): the `message:send` events that pass
 * their own guard (size, rate limit, token, zod) within one short window are stored together
 * by messageBatchPoster, and each is acked only once its batch has committed. One batch is in
 * flight at a time, so batches commit in the order they were formed and seqs follow arrival
 * order within a conversation; what arrives meanwhile forms the next batch.
 */
import type { PrismaClient } from '../../generated/prisma/client.js';
import { messageBatchPoster, type BatchedMessage } from '../../actions/message-batch.js';
import type { DomainEvents } from '../../actions/domain-events.js';
import type { PostedMessage } from '../../actions/messages.js';
import type { Logger } from '../../logger.js';

/** Posts one message through the node's group commit. */
export type GroupCommitPost = (message: BatchedMessage) => Promise<PostedMessage>;

interface Waiting {
  message: BatchedMessage;
  resolve: (posted: PostedMessage) => void;
  reject: (error: unknown) => void;
}

/** The largest batch (one INSERT); more waits for the next. */
const MAX_BATCH = 500;

/** A node's message group commit: `windowMs` after the first message of a batch (0: the same event-loop turn). */
export function createMessageGroupCommit(deps: {
  prisma: PrismaClient;
  events: DomainEvents | undefined;
  logger: Logger;
  windowMs?: number;
}): GroupCommitPost {
  const windowMs = deps.windowMs ?? 1;
  const state = { queue: [] as Waiting[], scheduled: false, flushing: false };

  function schedule(): void {
    if (state.scheduled || state.flushing || state.queue.length === 0) return;
    state.scheduled = true;
    setTimeout(() => void flush(), windowMs);
  }

  async function flush(): Promise<void> {
    state.scheduled = false;
    state.flushing = true;
    const batch = state.queue.splice(0, MAX_BATCH);
    try {
      const outcomes = await messageBatchPoster(
        deps.prisma,
        deps.events,
        deps.logger,
        batch.map((waiting) => waiting.message),
      );
      batch.forEach((waiting, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) waiting.resolve(outcome.posted);
        else waiting.reject(outcome.error);
      });
    } catch (error) {
      // The batch's reads failed (database unreachable): nothing of it was stored.
      deps.logger.error({ err: error, messages: batch.length }, 'message batch could not be stored');
      for (const waiting of batch) waiting.reject(error);
    } finally {
      state.flushing = false;
      schedule();
    }
  }

  return (message) =>
    new Promise<PostedMessage>((resolve, reject) => {
      state.queue.push({ message, resolve, reject });
      schedule();
    });
}

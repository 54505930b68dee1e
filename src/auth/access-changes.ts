/**
 * Revocations and role changes, applied at once on every node. The node that makes the
 * change applies it synchronously (cached principals dropped, its sockets disconnected)
 * before the REST call or CLI command returns, then publishes it on a Redis channel so the
 * other nodes do the same within milliseconds. Without Redis only the local node applies it,
 * which is all there is.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../logger.js';

/** The Redis channel every node listens on for access changes. */
export const ACCESS_CHANGES_CHANNEL = 'vigie:access-changes';

/** What changed: one token (revoked), or one user (role changed, disabled or re-enabled). */
export const accessChangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('token'), tokenId: z.uuid() }),
  z.strictObject({ kind: z.literal('user'), userId: z.uuid() }),
]);

/** One access change. */
export type AccessChange = z.infer<typeof accessChangeSchema>;

/** Called synchronously for every change, local or from another node. */
export type AccessChangeListener = (change: AccessChange) => void;

/** The per-app hub: announce a change, listen to changes, and parse raw channel messages. */
export interface AccessChanges {
  /** Applies `change` on this node now, then publishes it to the others (never throws). */
  announce(change: AccessChange): Promise<void>;
  /** Applies a change without publishing it (a message received from the channel). */
  apply(change: AccessChange): void;
  /** Parses a raw channel message and applies it; bad messages are logged and dropped. */
  receive(raw: string): void;
  onChange(listener: AccessChangeListener): () => void;
  close(): Promise<void>;
}

/** Builds the hub; with `redis` it subscribes on a duplicate connection and publishes on `redis`. */
export function createAccessChanges(options: { redis?: Redis | undefined; logger: Logger }): AccessChanges {
  const { redis } = options;
  const log = options.logger.child({ component: 'access-changes' });
  const listeners = new Set<AccessChangeListener>();

  function apply(change: AccessChange): void {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch (error) {
        log.error({ err: error, change }, 'access change listener failed');
      }
    }
  }

  function receive(raw: string): void {
    let parsed: ReturnType<typeof accessChangeSchema.safeParse> | undefined;
    try {
      parsed = accessChangeSchema.safeParse(JSON.parse(raw));
    } catch (error) {
      log.warn({ err: error }, 'access change message is not JSON; ignored');
      return;
    }
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues.length }, 'access change message has a bad shape; ignored');
      return;
    }
    apply(parsed.data);
  }

  const subscriber = redis?.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null });
  if (subscriber) {
    subscriber.on('error', (error: Error) => log.warn({ err: error.message }, 'access changes subscriber redis error'));
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === ACCESS_CHANGES_CHANNEL) receive(message);
    });
    subscriber
      .subscribe(ACCESS_CHANGES_CHANNEL)
      .catch((error: Error) => log.warn({ err: error.message }, 'access changes subscribe failed; will retry on reconnect'));
  }

  return {
    async announce(change) {
      apply(change);
      if (!redis) return;
      await publishAccessChange(redis, change).catch((error: Error) =>
        log.warn({ err: error.message, change }, 'access change not published: other nodes catch up at their cache expiry'),
      );
    },
    apply,
    receive,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      await subscriber?.quit().catch(() => subscriber.disconnect());
    },
  };
}

/** Publishes one change on the channel (the CLI uses this directly, without a hub). */
export async function publishAccessChange(redis: Pick<Redis, 'publish'>, change: AccessChange): Promise<void> {
  await redis.publish(ACCESS_CHANGES_CHANNEL, JSON.stringify(accessChangeSchema.parse(change)));
}

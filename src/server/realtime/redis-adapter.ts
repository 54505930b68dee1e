/**
 * The Socket.IO Redis adapter over ioredis, built so that Redis going away never crashes a
 * node. We use the classic pub/sub adapter (one pattern subscription per node) rather than
 * the sharded one: on a single Redis 7 both work, the classic adapter needs one subscriber
 * connection whatever the number of rooms (the sharded adapter subscribes per room, so
 * thousands of conversation rooms churn subscriptions), and it supports fetchSockets, which
 * presence uses across nodes.
 *
 * Two dedicated connections are duplicated from the app's client: a subscriber (offline
 * queue on, retries forever, auto-resubscribes after a reconnect) and a publisher whose
 * publish failures are counted and logged instead of becoming unhandled rejections (the
 * adapter does not catch them). Local delivery never waits on Redis.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from '../../logger.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** The adapter factory and the two connections it owns. */
export interface RedisAdapterParts {
  adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

/** Called when a connection that had been lost is back (issue #20: resync hints). */
export interface AdapterRecoveryHooks {
  /** The subscriber is back and has resubscribed. */
  subscriberRestored?(): void;
  /** The publisher is back; it was lost at `downSinceMs`. */
  publisherRestored?(downSinceMs: number): void;
}

/** Logs errors once per distinct message; calls `restored(downSince)` when a lost connection is ready again. */
function watch(client: Redis, logger: Logger, role: string, restored: (downSinceMs: number) => void): void {
  let last = '';
  let downSince = 0;
  const lost = () => {
    if (!downSince) downSince = Date.now();
  };
  client.on('error', (error: Error) => {
    lost();
    if (error.message !== last) logger.warn({ err: error.message, role }, 'socket adapter redis error');
    last = error.message;
  });
  client.on('close', lost);
  client.on('ready', () => {
    if (last) logger.info({ role }, 'socket adapter redis reconnected: cross-node delivery resumed');
    last = '';
    const since = downSince;
    downSince = 0;
    if (since) restored(since);
  });
}

/**
 * Builds the adapter over duplicates of `redis`. `channels` are extra plain channels read on
 * the adapter's own subscriber, so their messages keep their order with room broadcasts.
 */
export function createRedisAdapter(
  redis: Redis,
  logger: Logger,
  metrics: GatewayMetrics,
  channels: Record<string, (message: string) => void> = {},
  hooks: AdapterRecoveryHooks = {},
): RedisAdapterParts {
  const publisher = redis.duplicate({ lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null });
  watch(publisher, logger, 'publisher', (since) => hooks.publisherRestored?.(since));
  // ioredis emits 'ready' before it resubscribes; a PING answered after the (re)subscribe
  // commands (one connection keeps the order) means the patterns are live again.
  watch(subscriber, logger, 'subscriber', () => {
    setImmediate(() => {
      subscriber.ping().then(
        () => hooks.subscriberRestored?.(),
        (error: Error) => logger.warn({ err: error.message }, 'subscriber ping after reconnect failed; no resync hint sent'),
      );
    });
  });
  const names = Object.keys(channels);
  if (names.length) {
    subscriber.on('message', (channel: string, message: string) => channels[channel]?.(message));
    subscriber
      .subscribe(...names)
      .catch((error: Error) => logger.warn({ err: error.message }, 'extra channel subscribe failed; retried on reconnect'));
  }

  const publish = publisher.publish.bind(publisher) as (channel: string, message: string | Buffer) => Promise<number>;
  let lastPublishError = 0;
  Object.assign(publisher, {
    publish(channel: string, message: string | Buffer): Promise<number> {
      return publish(channel, message).catch((error: Error) => {
        metrics.adapterErrors.inc({ operation: 'publish' });
        const now = Date.now();
        if (now - lastPublishError > 5_000) logger.warn({ err: error.message }, 'cross-node publish failed; local clients still served');
        lastPublishError = now;
        return 0;
      });
    },
  });

  return {
    adapter: createAdapter(publisher, subscriber, { key: 'vigie:socket.io', requestsTimeout: 2_000 }),
    async close() {
      await Promise.all([publisher, subscriber].map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

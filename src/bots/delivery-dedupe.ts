/**
 * Chat platforms redeliver (Slack's x-slack-retry-num when an ack is slow, Discord retries):
 * a delivery id is claimed once, in Redis with REDIS_URL so every node agrees, else in memory.
 */
import type { Redis } from 'ioredis';

/** Claims delivery ids. */
export interface DeliveryDedupe {
  /** True the first time `key` is seen within the window, false for every repeat. */
  claim(key: string): Promise<boolean>;
}

/** Redis-backed claims (SET NX with expiry), shared by all nodes. */
export function redisDeliveryDedupe(redis: Redis, ttlSeconds = 3_600): DeliveryDedupe {
  return {
    async claim(key) {
      return (await redis.set(`vigie:bots:delivery:${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    },
  };
}

/** In-memory claims for single-node installs; old keys are swept as new ones arrive. */
export function memoryDeliveryDedupe(ttlMs = 3_600_000, maxKeys = 100_000): DeliveryDedupe {
  const seen = new Map<string, number>();
  return {
    async claim(key) {
      const now = Date.now();
      const expiry = seen.get(key);
      if (expiry !== undefined && expiry > now) return false;
      seen.set(key, now + ttlMs);
      if (seen.size > maxKeys) {
        for (const [candidate, until] of seen) {
          if (until <= now || seen.size > maxKeys) seen.delete(candidate);
          else break;
        }
      }
      return true;
    },
  };
}

/**
 * The Redis connection, when REDIS_URL is set. It never crashes the process: errors are
 * logged, ioredis reconnects forever, and commands fail fast while it is away so callers
 * (rate limits, the socket adapter) fall back instead of hanging.
 */
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** Connects (or starts trying to) and returns the client. */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn({ err: error.message }, 'redis error');
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = '';
    logger.info('redis connected');
  });
  await redis.connect().catch((error: Error) => logger.warn({ err: error.message }, 'redis unavailable at start-up; will keep retrying'));
  return redis;
}

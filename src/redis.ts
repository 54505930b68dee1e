/**
 * The one place Redis clients are made (issue #20). Every client of the app (the main
 * connection and the Socket.IO adapter's duplicates of it, BullMQ's queue and worker
 * connections, schedule timers, the CLI's access-change publisher) comes from
 * `createRedisClient`, so a `REDIS_SENTINELS` deployment gets Sentinel clients everywhere:
 * they ask the Sentinels for the master whenever they (re)connect, and reconnect when a
 * demoted master answers READONLY. Sentinel itself closes the clients of an instance it
 * reconfigures, and a crashed master refuses connections, so both kinds of failover end in a
 * reconnect that asks the Sentinels again. ioredis's `failoverDetector` (`+switch-master`)
 * stays off: in ioredis 5.11 its disconnect can land while a reconnect is resolving the
 * master, and that reconnect then fails with "Connection is closed." and the client ends for
 * good (seen in test/realtime/sentinel-failover.test.ts: one node's adapter subscriber never
 * came back). `npm run lint:imports` refuses `ioredis` value
 * imports anywhere else in src/.
 *
 * The main connection never crashes the process: errors are logged, ioredis reconnects
 * forever, and commands fail fast while it is away so callers (rate limits, the socket
 * adapter) fall back instead of hanging.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';
import { describeRedisTarget, type RedisTarget } from './redis-target.js';

/** Longest pause between reconnect attempts: a returning Redis is noticed within about a second. */
export const MAX_RECONNECT_DELAY_MS = 1_000;

/** Reconnect delays: 100 ms growing to MAX_RECONNECT_DELAY_MS, forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS);
}

/** A demoted master (after a failover) refuses writes with READONLY: reconnect (to the new master) and resend. */
function reconnectOnReadonly(error: Error): 2 | false {
  return error.message.startsWith('READONLY') ? 2 : false;
}

/** The ioredis options that say where a Sentinel target's master is and how to log in to it. */
export function sentinelOptions(target: Exclude<RedisTarget, string>): RedisOptions {
  const options: RedisOptions = { sentinels: target.sentinels.map(({ host, port }) => ({ host, port })), name: target.name };
  if (target.sentinelPassword !== undefined) options.sentinelPassword = target.sentinelPassword;
  if (target.url) {
    const url = new URL(target.url);
    if (url.username) options.username = decodeURIComponent(url.username);
    if (url.password) options.password = decodeURIComponent(url.password);
    const db = Number(url.pathname.slice(1) || '0');
    if (Number.isInteger(db) && db >= 0) options.db = db;
    if (url.protocol === 'rediss:') {
      options.tls = {};
      options.enableTLSForSentinelMode = true;
    }
  }
  return options;
}

/**
 * A new client for `target`. `options` are ioredis options over our defaults (quick
 * reconnects; with Sentinel: quick Sentinel retries, reconnect on READONLY, no failover
 * detector, see above); the target's address and credentials always win.
 */
export function createRedisClient(target: RedisTarget, options: RedisOptions = {}): Redis {
  if (typeof target === 'string') return new Redis(target, { retryStrategy: reconnectDelay, ...options });
  return new Redis({
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
    failoverDetector: false,
    reconnectOnError: reconnectOnReadonly,
    ...options,
    ...sentinelOptions(target),
  });
}

/** Connects (or starts trying to) and returns the main client. */
export async function connectRedis(target: RedisTarget, logger: Logger): Promise<Redis> {
  const redis = createRedisClient(target, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn({ err: error.message }, 'redis error');
    lastError = error.message;
  });
  redis.on('ready', () => {
    lastError = '';
    logger.info({ redis: describeRedisTarget(target) }, 'redis connected');
  });
  await redis.connect().catch((error: Error) => logger.warn({ err: error.message }, 'redis unavailable at start-up; will keep retrying'));
  return redis;
}

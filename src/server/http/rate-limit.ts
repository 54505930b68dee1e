/**
 * Per-address and per-token rate limits (rate-limiter-flexible). With Redis the counters are
 * shared by every node; if Redis fails, an in-memory limiter takes over instead of failing
 * requests.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimitedError } from '../../errors.js';

/** Builds a limiter allowing `pointsPerMinute`, Redis-backed when a client is given. */
export function createLimiter(keyPrefix: string, pointsPerMinute: number, redis?: Redis): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix, points: pointsPerMinute, duration: 60 });
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `vigie:rl:${keyPrefix}`,
    points: pointsPerMinute,
    duration: 60,
    insuranceLimiter: memory,
  });
}

/** Middleware consuming one point under the key `keyOf` returns (skipped when null). */
export function rateLimit(limiter: RateLimiterAbstract, keyOf: (request: Request) => string | null) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const key = keyOf(request);
    if (key === null) return next();
    try {
      await limiter.consume(key);
      next();
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        response.setHeader('Retry-After', String(seconds));
        next(new RateLimitedError(seconds));
        return;
      }
      next(rejection);
    }
  };
}

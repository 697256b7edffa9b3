import { FolioError } from '@folio/shared';
import type { Logger } from '@folio/shared/logger';
import type { Redis } from '@folio/shared/redis';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

const WINDOW_MS = 60_000;

export interface RateLimiter {
  /** Counts one request; returns the count in the current window. */
  hit(key: string, now: number): Promise<number>;
}

/** Fixed one-minute windows in Redis, shared by every API instance. */
export function redisRateLimiter(redis: Redis, prefix: string): RateLimiter {
  return {
    hit: async (key, now) => {
      const window = Math.floor(now / WINDOW_MS);
      const redisKey = `${prefix}ratelimit:${key}:${window}`;
      const results = await redis
        .multi()
        .incr(redisKey)
        .pexpire(redisKey, WINDOW_MS * 2)
        .exec();
      const [error, count] = results?.[0] ?? [new Error('no reply'), 0];
      if (error) throw error;
      return Number(count);
    },
  };
}

/** The same windows in this process: for a single instance without Redis. */
export function memoryRateLimiter(maxKeys = 100_000): RateLimiter {
  let window = -1;
  let counts = new Map<string, number>();
  return {
    hit: async (key, now) => {
      const current = Math.floor(now / WINDOW_MS);
      // Dropping the whole map at each window boundary bounds memory by the busiest minute.
      if (current !== window || counts.size >= maxKeys) {
        window = current;
        counts = new Map();
      }
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return count;
    },
  };
}

/**
 * Per credential (API token or session), after authentication. A Redis failure lets
 * the request through: an outage of the limiter must not become an outage of the API.
 */
export function rateLimit(limiter: RateLimiter, perMinute: number, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.get('principal').credentialKey;
    const now = Date.now();
    let count = 0;
    try {
      count = await limiter.hit(key, now);
    } catch (error) {
      log.warn({ err: error }, 'rate limiter unavailable; request allowed');
    }
    c.header('RateLimit-Limit', String(perMinute));
    c.header('RateLimit-Remaining', String(Math.max(0, perMinute - count)));
    if (count > perMinute) {
      c.header('Retry-After', String(Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000)));
      throw new FolioError('RATE_LIMITED', `more than ${perMinute} requests per minute for this credential`);
    }
    return next();
  };
}

import { FolioError } from '@folio/shared';
import type { Logger } from '@folio/shared/logger';
import { type Redis, rateLimitKeyPrefix } from '@folio/shared/redis';
import type { MiddlewareHandler } from 'hono';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { AppEnv } from './env.js';

const WINDOW_SECONDS = 60;

/**
 * Requests per user per minute, through `rate-limiter-flexible` (its Redis limiter is one
 * atomic Lua increment-with-expiry per request, its memory one expires each key on its
 * own instead of dropping a whole table). With Redis every API instance shares one count;
 * if Redis fails, the insurance limiter counts in this process until it is back, so an
 * outage of the limiter neither stops the API nor lifts the limit.
 *
 * Keys are `<prefix>ratelimit:<userId>`: named by the user id so that erasure's Redis
 * sweep finds them.
 */
export function createRateLimiter(options: {
  perMinute: number;
  redis?: Redis | undefined;
  prefix: string;
}): RateLimiterAbstract {
  const base = {
    points: options.perMinute,
    duration: WINDOW_SECONDS,
    keyPrefix: rateLimitKeyPrefix(options.prefix),
  };
  const memory = new RateLimiterMemory(base);
  if (!options.redis) return memory;
  return new RateLimiterRedis({ ...base, storeClient: options.redis, insuranceLimiter: memory });
}

/**
 * Per user, after authentication: every token and session of one user draws on one
 * budget, or minting more tokens would buy more requests. Agent tokens draw on a second
 * budget of the user's (`<userId>:agents`, shared by all their agents), so a busy agent
 * cannot lock its user out, nor the user their agents.
 */
export function rateLimit(limiter: RateLimiterAbstract, log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    const key = principal.agent ? `${principal.userId}:agents` : principal.userId;
    c.header('RateLimit-Limit', String(limiter.points));
    try {
      const result = await limiter.consume(key);
      c.header('RateLimit-Remaining', String(result.remainingPoints));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        // Both stores failed (not expected: the memory one cannot); let the request through.
        log.warn({ err: rejection }, 'rate limiter unavailable; request allowed');
        return next();
      }
      c.header('RateLimit-Remaining', '0');
      c.header('Retry-After', String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))));
      throw new FolioError(
        'RATE_LIMITED',
        `more than ${limiter.points} requests per minute for this user${principal.agent ? "'s agents" : ''}`,
      );
    }
    return next();
  };
}

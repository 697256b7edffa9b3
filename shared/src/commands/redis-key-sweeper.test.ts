import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createRedis, type Redis } from '../redis.js';
import { TEST_REDIS_URL, testRedisPrefix } from '../testing/index.js';
import { escapeGlob, redisKeySweeper } from './redis-key-sweeper.js';

let redis: Redis;
beforeAll(() => {
  redis = createRedis({
    url: TEST_REDIS_URL,
    log: createLogger({ level: 'silent', name: 'test' }),
    name: 'sweeper-test',
  }) as Redis;
});
afterAll(async () => {
  await redis?.quit();
});

describe('redisKeySweeper', () => {
  it('deletes the keys under the prefix that name an id, and nothing else', async () => {
    // A prefix with glob syntax in it must match literally.
    const prefix = `${testRedisPrefix()}[x]*:`;
    const other = testRedisPrefix();
    const userId = '0192f1a0-user-aaaa';
    await redis.set(`${prefix}ratelimit:${userId}`, '1');
    await redis.set(`${prefix}collab:doc-${userId}:lock`, '1');
    await redis.set(`${prefix}ratelimit:someone-else-1234`, '1');
    await redis.set(`${other}ratelimit:${userId}`, '1');
    const elsewhere = `${prefix.replace('[x]*', 'x-anything')}ratelimit:${userId}`;
    await redis.set(elsewhere, '1');
    try {
      expect(await redisKeySweeper(redis, { prefix, needles: [userId, 'short'] })).toBe(2);
      expect(await redis.exists(`${prefix}ratelimit:someone-else-1234`)).toBe(1);
      expect(await redis.exists(`${other}ratelimit:${userId}`)).toBe(1);
      expect(await redis.exists(elsewhere)).toBe(1);
      // Needles shorter than 8 characters could match by accident: ignored.
      expect(await redisKeySweeper(redis, { prefix, needles: ['someone'] })).toBe(0);
    } finally {
      await redis.del(`${prefix}ratelimit:someone-else-1234`, `${other}ratelimit:${userId}`, elsewhere);
    }
  });

  it('escapes glob syntax', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
  });
});

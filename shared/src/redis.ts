import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  url?: string | undefined;
  sentinels?: { host: string; port: number }[] | undefined;
  sentinelMaster?: string | undefined;
  caFile?: string | undefined;
  log: Logger;
  /** Connection name shown by CLIENT LIST. */
  name: string;
}

/**
 * A Redis client from REDIS_URL, or through Sentinel when REDIS_SENTINELS is set.
 * Undefined when neither is configured (single-instance mode). Every command has a
 * timeout, and reconnects back off up to 2 s.
 */
export function createRedis(options: RedisConnectionOptions, extra: RedisOptions = {}): Redis | undefined {
  const tls = options.caFile ? { ca: readFileSync(options.caFile, 'utf8') } : undefined;
  const common: RedisOptions = {
    connectionName: options.name,
    commandTimeout: 5_000,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    ...extra,
  };
  let redis: Redis;
  if (options.sentinels && options.sentinelMaster) {
    redis = new Redis({
      ...common,
      sentinels: options.sentinels,
      name: options.sentinelMaster,
      ...(tls ? { tls } : {}),
    });
  } else if (options.url) {
    const secure = options.url.startsWith('rediss://');
    redis = new Redis(options.url, { ...common, ...(secure ? { tls: tls ?? {} } : {}) });
  } else {
    return undefined;
  }
  // ioredis emits 'error' on every failed reconnect; unhandled, that would crash.
  let lastLogged = 0;
  redis.on('error', (error) => {
    const now = Date.now();
    if (now - lastLogged > 5_000) {
      lastLogged = now;
      options.log.warn({ err: error }, 'redis connection error');
    }
  });
  return redis;
}

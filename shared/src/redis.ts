import { readFileSync } from 'node:fs';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';
import { shardedPubSub } from './redis-sharded-pubsub.js';

export type { Redis } from 'ioredis';
export * from './redis-keys.js';

export interface RedisConnectionOptions {
  url?: string | undefined;
  sentinels?: { host: string; port: number }[] | undefined;
  sentinelMaster?: string | undefined;
  /** Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES); takes precedence over the rest. */
  clusterNodes?: { host: string; port: number }[] | undefined;
  caFile?: string | undefined;
  log: Logger;
  /** Connection name shown by CLIENT LIST. */
  name: string;
}

/** The connection settings of a parsed configuration (every process reads the same four). */
export function redisConnection(config: {
  REDIS_URL?: string | undefined;
  REDIS_SENTINELS?: { host: string; port: number }[] | undefined;
  REDIS_SENTINEL_MASTER?: string | undefined;
  REDIS_CLUSTER_NODES?: { host: string; port: number }[] | undefined;
  REDIS_CA_FILE?: string | undefined;
}) {
  return {
    url: config.REDIS_URL,
    sentinels: config.REDIS_SENTINELS,
    sentinelMaster: config.REDIS_SENTINEL_MASTER,
    clusterNodes: config.REDIS_CLUSTER_NODES,
    caFile: config.REDIS_CA_FILE,
  };
}

/**
 * A Redis client from REDIS_CLUSTER_NODES (a Redis Cluster), through Sentinel when
 * REDIS_SENTINELS is set, or from REDIS_URL. Undefined when none is configured
 * (single-instance mode). Every command has a timeout, and reconnects back off up to 2 s.
 *
 * A cluster client is typed as `Redis`: Folio uses only what both clients have —
 * single-key commands, Lua on one key, pub/sub, `duplicate()` — and its pub/sub is
 * turned into sharded pub/sub (see redis-sharded-pubsub.ts). Code that must know
 * (SCAN, which runs per master) checks `isCluster`.
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
  if (options.clusterNodes && options.clusterNodes.length > 0) {
    const cluster = new Cluster(options.clusterNodes, {
      redisOptions: { ...common, ...(tls ? { tls } : {}) },
      // One subscriber connection per master, so a document's channel is served by the
      // shard that owns its slot (SSUBSCRIBE/SPUBLISH, Redis 7).
      shardedSubscribers: true,
      clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      slotsRefreshTimeout: 5_000,
    });
    redis = shardedPubSub(cluster) as unknown as Redis;
  } else if (options.sentinels && options.sentinelMaster) {
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

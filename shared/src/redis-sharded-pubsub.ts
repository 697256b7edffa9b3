import type { Cluster } from 'ioredis';

/**
 * Classic pub/sub on a Redis Cluster broadcasts every PUBLISH to every node over the
 * cluster bus, so its cost grows with the cluster instead of shrinking with sharding.
 * Sharded pub/sub (Redis 7: SPUBLISH/SSUBSCRIBE) keeps a channel's messages on the shard
 * that owns the channel's slot; Folio's document channels carry the document's hash tag
 * (redis-keys.ts), so they live with the document's keys.
 *
 * Folio's code and @hocuspocus/extension-redis speak classic pub/sub (`publish`,
 * `subscribe`, the `message`/`messageBuffer` events). Rather than fork the extension,
 * a cluster client is wrapped once, where it is made: the classic names are served by
 * their sharded counterparts, and `duplicate()` returns wrapped clients too. Everything
 * else reaches the client unchanged. ioredis 5.6 routes SSUBSCRIBE to one subscriber
 * connection per master (the `shardedSubscribers` option) and re-subscribes when slots
 * move.
 */
const methods: Record<string, string> = {
  publish: 'spublish',
  subscribe: 'ssubscribe',
  unsubscribe: 'sunsubscribe',
};

const events: Record<string, string> = {
  message: 'smessage',
  messageBuffer: 'smessageBuffer',
};

const listenerMethods = new Set([
  'on',
  'once',
  'off',
  'addListener',
  'prependListener',
  'prependOnceListener',
  'removeListener',
  'removeAllListeners',
  'listeners',
  'listenerCount',
]);

export function shardedPubSub(cluster: Cluster): Cluster {
  return new Proxy(cluster, {
    get(target, property, receiver) {
      if (typeof property === 'string') {
        const sharded = methods[property];
        if (sharded) {
          const method = Reflect.get(target, sharded, target) as (...args: unknown[]) => unknown;
          return (...args: unknown[]) => method.apply(target, args);
        }
        if (property === 'duplicate') {
          return (...args: Parameters<Cluster['duplicate']>) => shardedPubSub(target.duplicate(...args));
        }
        if (listenerMethods.has(property)) {
          const method = Reflect.get(target, property, target) as (...args: unknown[]) => unknown;
          return (event: unknown, ...rest: unknown[]) => {
            const result = method.call(
              target,
              typeof event === 'string' ? (events[event] ?? event) : event,
              ...rest,
            );
            // Chaining (`client.on(…).on(…)`) keeps going through the wrapper.
            return result === target ? receiver : result;
          };
        }
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

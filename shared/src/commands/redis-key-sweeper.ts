import type { Cluster } from 'ioredis';
import type { Redis } from '../redis.js';

/** Keys examined per SCAN round trip, and an upper bound on the rounds of one sweep. */
const SCAN_COUNT = 1_000;
const MAX_ROUNDS = 100_000;

/** `*`, `?`, `[` and `\` are glob syntax for SCAN MATCH; a prefix must match literally. */
export const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * Deletes every key under `prefix` whose name mentions one of `needles` (a user id, a
 * token id, a session key, a deleted document's id). What lives under the prefix:
 * rate-limit counters `ratelimit:<userId>` and the Redis
 * extension's Redlock keys `collab:{<documentId>}:lock` (redis-keys.ts); pub/sub channels
 * (awareness with user names, sync messages) are never stored. Matching by name rather
 * than by known patterns also covers keys added later, as long as they are named by id.
 *
 * On a Redis Cluster, SCAN sees one node's keys: every master is scanned, and keys are
 * unlinked one per command (one UNLINK of keys in different slots is refused).
 */
export async function redisKeySweeper(
  redis: Redis,
  input: { prefix: string; needles: string[] },
): Promise<number> {
  const needles = input.needles.filter((n) => n.length >= 8);
  if (needles.length === 0) return 0;
  if (!redis.isCluster) return sweepNode(redis, input.prefix, needles, (keys) => redis.unlink(...keys));
  const cluster = redis as unknown as Cluster;
  let deleted = 0;
  for (const node of cluster.nodes('master')) {
    deleted += await sweepNode(node, input.prefix, needles, async (keys) => {
      const results = await Promise.all(keys.map((key) => cluster.unlink(key)));
      return results.reduce((sum, n) => sum + n, 0);
    });
  }
  return deleted;
}

async function sweepNode(
  redis: Redis,
  prefix: string,
  needles: string[],
  unlink: (keys: string[]) => Promise<number>,
): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', SCAN_COUNT);
    const doomed = keys.filter((key) => needles.some((needle) => key.includes(needle, prefix.length)));
    if (doomed.length > 0) deleted += await unlink(doomed);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}

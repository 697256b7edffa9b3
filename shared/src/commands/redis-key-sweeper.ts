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
 * extension's Redlock keys `collab:<documentId>:lock`; pub/sub channels (awareness with
 * user names, sync messages) are never stored. Matching by name rather than by known
 * patterns also covers keys added later, as long as they are named by id.
 */
export async function redisKeySweeper(
  redis: Redis,
  input: { prefix: string; needles: string[] },
): Promise<number> {
  const needles = input.needles.filter((n) => n.length >= 8);
  if (needles.length === 0) return 0;
  let cursor = '0';
  let deleted = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${escapeGlob(input.prefix)}*`,
      'COUNT',
      SCAN_COUNT,
    );
    const doomed = keys.filter((key) => needles.some((needle) => key.includes(needle, input.prefix.length)));
    if (doomed.length > 0) deleted += await redis.unlink(...doomed);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}

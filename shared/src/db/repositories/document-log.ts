import type { Handle } from './handle.js';

/**
 * Reads the collaboration server needs on the update log beyond documents.ts: the
 * highest committed sequence number of many documents at once, for anti-entropy.
 */

/** `update_seq` of each existing document among `ids` (committed values only). */
export async function findDocumentUpdateSeqs(
  db: Handle,
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('documents')
    .select(['id', 'update_seq'])
    .where('id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, Number(r.update_seq)]));
}

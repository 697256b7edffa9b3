import { sql } from 'kysely';
import type { Handle } from './handle.js';

export function findDocumentState(db: Handle, documentId: string) {
  return db
    .selectFrom('document_states')
    .select(['snapshot', 'seq', sql<string>`covers_xid::text`.as('covers_xid'), 'updated_at'])
    .where('document_id', '=', documentId)
    .executeTakeFirst();
}

/**
 * Writes a merged snapshot covering the log below transaction horizon `coversXid`.
 * Never moves backwards: a writer holding an older merge loses against one that already
 * stored a newer one.
 */
export async function saveDocumentState(
  db: Handle,
  documentId: string,
  snapshot: Uint8Array,
  coverage: { coversXid: string; seq: number },
): Promise<boolean> {
  const result = await db
    .insertInto('document_states')
    .values({
      document_id: documentId,
      snapshot,
      seq: coverage.seq,
      covers_xid: sql<string>`${coverage.coversXid}::xid8`,
      updated_at: new Date(),
    })
    .onConflict((oc) =>
      oc
        .column('document_id')
        .doUpdateSet({
          snapshot,
          seq: coverage.seq,
          covers_xid: sql<string>`excluded.covers_xid`,
          updated_at: new Date(),
        })
        .where(sql<boolean>`document_states.covers_xid < excluded.covers_xid`),
    )
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

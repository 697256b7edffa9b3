import { sql } from 'kysely';
import { DOCUMENT_STATE, openOne, sealOne } from '../../crypto/sealed-content.js';
import type { Handle } from './handle.js';

/** The compacted state, opened (it is sealed with the document's key). */
export async function findDocumentState(db: Handle, documentId: string) {
  const row = await db
    .selectFrom('document_states')
    .select(['snapshot', 'sealed', 'seq', sql<string>`covers_xid::text`.as('covers_xid'), 'updated_at'])
    .where('document_id', '=', documentId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { sealed, ...rest } = row;
  return {
    ...rest,
    snapshot: await openOne(db, documentId, DOCUMENT_STATE, { bytes: row.snapshot, sealed }),
  };
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
  const stored = await sealOne(db, documentId, DOCUMENT_STATE, snapshot);
  const result = await db
    .insertInto('document_states')
    .values({
      document_id: documentId,
      snapshot: stored.bytes,
      sealed: stored.sealed,
      seq: coverage.seq,
      covers_xid: sql<string>`${coverage.coversXid}::xid8`,
      updated_at: new Date(),
    })
    .onConflict((oc) =>
      oc
        .column('document_id')
        .doUpdateSet({
          snapshot: stored.bytes,
          sealed: stored.sealed,
          seq: coverage.seq,
          covers_xid: sql<string>`excluded.covers_xid`,
          updated_at: new Date(),
        })
        .where(sql<boolean>`document_states.covers_xid < excluded.covers_xid`),
    )
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** States still in the clear (the background sealer's work). */
export function listUnsealedStates(db: Handle, limit: number) {
  return db
    .selectFrom('document_states')
    .select(['document_id', 'snapshot', sql<string>`covers_xid::text`.as('covers_xid')])
    .where('sealed', '=', false)
    .orderBy('document_id')
    .limit(limit)
    .execute();
}

/**
 * Replaces a plaintext state by its envelope, unless a compaction replaced the state
 * meanwhile (its horizon moved: the new state was written sealed, or will be sealed next).
 */
export async function sealStoredState(
  db: Handle,
  documentId: string,
  coversXid: string,
  snapshot: Uint8Array,
) {
  await db
    .updateTable('document_states')
    .set({ snapshot, sealed: true })
    .where('document_id', '=', documentId)
    .where('sealed', '=', false)
    .where(sql<boolean>`covers_xid = ${coversXid}::xid8`)
    .execute();
}

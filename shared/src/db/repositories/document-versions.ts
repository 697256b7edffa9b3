import { sql } from 'kysely';
import type { Handle } from './handle.js';

export function insertDocumentVersion(
  db: Handle,
  version: {
    id: string;
    documentId: string;
    label: string | null;
    kind: 'manual' | 'auto' | 'restore';
    snapshot: Uint8Array;
    seq: number;
    coversXid: string;
    createdBy: string | null;
  },
) {
  return db
    .insertInto('document_versions')
    .values({
      id: version.id,
      document_id: version.documentId,
      label: version.label,
      kind: version.kind,
      snapshot: version.snapshot,
      seq: version.seq,
      covers_xid: sql<string>`${version.coversXid}::xid8`,
      created_by: version.createdBy,
    })
    .returning(['id', 'label', 'kind', 'seq', 'created_by', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** A document's versions, newest first, without their snapshots. */
export function listDocumentVersions(db: Handle, documentId: string, limit: number) {
  return db
    .selectFrom('document_versions')
    .select(['id', 'label', 'kind', 'seq', 'created_by', 'created_at'])
    .select((eb) => eb.fn<number>('octet_length', ['snapshot']).as('bytes'))
    .where('document_id', '=', documentId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export function findDocumentVersion(db: Handle, documentId: string, versionId: string) {
  return db
    .selectFrom('document_versions')
    .selectAll()
    .where('document_id', '=', documentId)
    .where('id', '=', versionId)
    .executeTakeFirst();
}

/**
 * The snapshot covering the most of the log among those taken at or before `at`: a
 * version, or the compacted state (`updated_at` is when it was written, so every row
 * it covers was committed before). The starting point for "the state as of `at`".
 */
export async function findSnapshotBefore(
  db: Handle,
  documentId: string,
  at: Date,
): Promise<{ snapshot: Uint8Array; coversXid: string; seq: number } | undefined> {
  const rows = await sql<{ snapshot: Uint8Array; covers_xid: string; seq: string }>`
    (select snapshot, covers_xid::text, seq, covers_xid as horizon from document_versions
      where document_id = ${documentId} and created_at <= ${at}
      order by horizon desc limit 1)
    union all
    (select snapshot, covers_xid::text, seq, covers_xid from document_states
      where document_id = ${documentId} and updated_at <= ${at})
    order by horizon desc
    limit 1`.execute(db);
  const best = rows.rows[0];
  return best ? { snapshot: best.snapshot, coversXid: best.covers_xid, seq: Number(best.seq) } : undefined;
}

/** The newest version's state (any kind), to tell whether the document changed since. */
export function findLatestVersionSnapshot(db: Handle, documentId: string) {
  return db
    .selectFrom('document_versions')
    .select(['id', 'snapshot', 'created_at'])
    .where('document_id', '=', documentId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** A document's automatic versions, newest first (retention thins them; never the others). */
export function listAutoVersions(db: Handle, documentId: string) {
  return db
    .selectFrom('document_versions')
    .select(['id', 'created_at as createdAt'])
    .where('document_id', '=', documentId)
    .where('kind', '=', 'auto')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Deletes automatic versions only: a manual or restore version is never retention's to drop. */
export async function deleteAutoVersions(
  db: Handle,
  documentId: string,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .deleteFrom('document_versions')
    .where('document_id', '=', documentId)
    .where('kind', '=', 'auto')
    .where('id', 'in', [...ids])
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

import { sql } from 'kysely';
import { ENVELOPE_OVERHEAD } from '../../crypto/envelope.js';
import { DOCUMENT_STATE, openOne, sealOne, VERSION_SNAPSHOT } from '../../crypto/sealed-content.js';
import type { Handle } from './handle.js';

/** Sealed with the document's key, bound to the version's id. */
export async function insertDocumentVersion(
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
  const stored = await sealOne(db, version.documentId, VERSION_SNAPSHOT, version.snapshot, version.id);
  return db
    .insertInto('document_versions')
    .values({
      id: version.id,
      document_id: version.documentId,
      label: version.label,
      kind: version.kind,
      snapshot: stored.bytes,
      sealed: stored.sealed,
      seq: version.seq,
      covers_xid: sql<string>`${version.coversXid}::xid8`,
      created_by: version.createdBy,
    })
    .returning(['id', 'label', 'kind', 'seq', 'created_by', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** A document's versions, newest first, without their snapshots. */
export function listDocumentVersions(db: Handle, documentId: string, limit: number) {
  return (
    db
      .selectFrom('document_versions')
      .select(['id', 'label', 'kind', 'seq', 'created_by', 'created_at'])
      // The plaintext's size: an envelope adds a fixed overhead.
      .select(
        sql<number>`octet_length(snapshot) - case when sealed then ${ENVELOPE_OVERHEAD} else 0 end`.as(
          'bytes',
        ),
      )
      .where('document_id', '=', documentId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
  );
}

export async function findDocumentVersion(db: Handle, documentId: string, versionId: string) {
  const row = await db
    .selectFrom('document_versions')
    .selectAll()
    .where('document_id', '=', documentId)
    .where('id', '=', versionId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { sealed, ...rest } = row;
  return {
    ...rest,
    snapshot: await openOne(db, documentId, VERSION_SNAPSHOT, { bytes: row.snapshot, sealed }, row.id),
  };
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
  const rows = await sql<{
    version_id: string | null;
    snapshot: Uint8Array;
    sealed: boolean;
    covers_xid: string;
    seq: string;
  }>`
    (select id as version_id, snapshot, sealed, covers_xid::text, seq, covers_xid as horizon
       from document_versions
      where document_id = ${documentId} and created_at <= ${at}
      order by horizon desc limit 1)
    union all
    (select null, snapshot, sealed, covers_xid::text, seq, covers_xid from document_states
      where document_id = ${documentId} and updated_at <= ${at})
    order by horizon desc
    limit 1`.execute(db);
  const best = rows.rows[0];
  if (!best) return undefined;
  const stored = { bytes: best.snapshot, sealed: best.sealed };
  const snapshot = best.version_id
    ? await openOne(db, documentId, VERSION_SNAPSHOT, stored, best.version_id)
    : await openOne(db, documentId, DOCUMENT_STATE, stored);
  return { snapshot, coversXid: best.covers_xid, seq: Number(best.seq) };
}

/** Versions still in the clear (the background sealer's work). */
export function listUnsealedVersions(db: Handle, limit: number) {
  return db
    .selectFrom('document_versions')
    .select(['id', 'document_id', 'snapshot'])
    .where('sealed', '=', false)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Replaces a plaintext version by its envelope (versions never change otherwise). */
export async function sealStoredVersion(db: Handle, id: string, snapshot: Uint8Array): Promise<void> {
  await db
    .updateTable('document_versions')
    .set({ snapshot, sealed: true })
    .where('id', '=', id)
    .where('sealed', '=', false)
    .execute();
}

/** The newest version's state (any kind), to tell whether the document changed since. */
export async function findLatestVersionSnapshot(db: Handle, documentId: string) {
  const row = await db
    .selectFrom('document_versions')
    .select(['id', 'snapshot', 'sealed', 'created_at'])
    .where('document_id', '=', documentId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  // Sealed with the document's key like every version (see findDocumentVersion).
  const snapshot = await openOne(
    db,
    documentId,
    VERSION_SNAPSHOT,
    { bytes: row.snapshot, sealed: row.sealed },
    row.id,
  );
  return { id: row.id, snapshot, created_at: row.created_at };
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

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
): Promise<{ snapshot: Uint8Array; seq: number } | undefined> {
  const [version, state] = await Promise.all([
    db
      .selectFrom('document_versions')
      .select(['snapshot', 'seq'])
      .where('document_id', '=', documentId)
      .where('created_at', '<=', at)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom('document_states')
      .select(['snapshot', 'seq'])
      .where('document_id', '=', documentId)
      .where('updated_at', '<=', at)
      .executeTakeFirst(),
  ]);
  const best = [version, state]
    .filter((s) => s !== undefined)
    .sort((a, b) => Number(b.seq) - Number(a.seq))[0];
  return best ? { snapshot: best.snapshot, seq: Number(best.seq) } : undefined;
}

/** Update-log rows after `afterSeq` committed at or before `at`, in order. */
export function listDocumentUpdatesUntil(
  db: Handle,
  documentId: string,
  afterSeq: number,
  at: Date,
  limit: number,
) {
  return db
    .selectFrom('document_updates')
    .select(['seq', 'update'])
    .where('document_id', '=', documentId)
    .where('seq', '>', afterSeq)
    .where('created_at', '<=', at)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

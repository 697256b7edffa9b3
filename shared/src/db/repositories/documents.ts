import { sql } from 'kysely';
import type { DocumentRole, DocumentRow } from '../schema.js';
import { type Handle, inTransaction } from './handle.js';
import { sharesAWorkspace } from './workspace-members.js';

export function insertDocument(
  db: Handle,
  doc: { id: string; workspaceId: string; title: string; createdBy: string | null },
): Promise<DocumentRow> {
  return db
    .insertInto('documents')
    .values({ id: doc.id, workspace_id: doc.workspaceId, title: doc.title, created_by: doc.createdBy })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findDocument(db: Handle, id: string): Promise<DocumentRow | undefined> {
  return db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function deleteDocument(db: Handle, id: string): Promise<boolean> {
  const result = await db.deleteFrom('documents').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function setDocumentPermission(
  db: Handle,
  documentId: string,
  userId: string,
  role: DocumentRole,
  grantedBy: string | null,
): Promise<void> {
  await db
    .insertInto('document_permissions')
    .values({ document_id: documentId, user_id: userId, role, granted_by: grantedBy })
    .onConflict((oc) => oc.columns(['document_id', 'user_id']).doUpdateSet({ role, granted_by: grantedBy }))
    .execute();
}

export async function removeDocumentPermission(
  db: Handle,
  documentId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('document_permissions')
    .where('document_id', '=', documentId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * A document's explicit roles as `viewer` may see them: email and name only of users who
 * share a workspace with the viewer (or all, when `viewer.seesEveryone`), null otherwise.
 */
export function listDocumentPermissions(
  db: Handle,
  documentId: string,
  viewer: { userId: string; seesEveryone: boolean },
) {
  return db
    .selectFrom('document_permissions')
    .innerJoin('users', 'users.id', 'document_permissions.user_id')
    .select((eb) => {
      const visible = viewer.seesEveryone
        ? sql<boolean>`true`
        : eb.or([eb('users.id', '=', viewer.userId), sharesAWorkspace(viewer.userId, eb.ref('users.id'))]);
      return [
        'document_permissions.user_id as userId',
        'document_permissions.role',
        'document_permissions.created_at as createdAt',
        eb.case().when(visible).then(eb.ref('users.email')).else(null).end().as('email'),
        eb.case().when(visible).then(eb.ref('users.name')).else(null).end().as('name'),
      ];
    })
    .where('document_permissions.document_id', '=', documentId)
    .orderBy('document_permissions.created_at')
    .execute();
}

/**
 * What the policy needs to decide about one user and one document, in one round trip:
 * the document, the user's explicit role on it and their role in its workspace.
 */
export function findDocumentAccess(db: Handle, documentId: string, userId: string) {
  return db
    .selectFrom('documents')
    .leftJoin('document_permissions as p', (join) =>
      join.onRef('p.document_id', '=', 'documents.id').on('p.user_id', '=', userId),
    )
    .leftJoin('workspace_members as m', (join) =>
      join.onRef('m.workspace_id', '=', 'documents.workspace_id').on('m.user_id', '=', userId),
    )
    .select([
      'documents.id',
      'documents.workspace_id as workspaceId',
      'documents.created_by as createdBy',
      'p.role as documentRole',
      'm.role as workspaceRole',
    ])
    .where('documents.id', '=', documentId)
    .executeTakeFirst();
}

/**
 * Reserves `count` consecutive update-log sequence numbers for a document and returns
 * the first. The UPDATE row-locks the document until the caller's transaction ends (see
 * the migration), so call it inside the transaction that inserts the rows.
 */
export async function reserveUpdateSeq(
  db: Handle,
  documentId: string,
  count: number,
): Promise<number | undefined> {
  const row = await db
    .updateTable('documents')
    .set((eb) => ({ update_seq: eb('update_seq', '+', count), updated_at: sql`now()` }))
    .where('id', '=', documentId)
    .returning('update_seq')
    .executeTakeFirst();
  return row ? Number(row.update_seq) - count + 1 : undefined;
}

export interface NewDocumentUpdate {
  update: Uint8Array;
  actorId: string | null;
  connectionId: string | null;
  createdAt?: Date;
}

/** Appends updates to a document's log in one statement; returns the last seq. */
export async function appendDocumentUpdates(
  db: Handle,
  documentId: string,
  updates: NewDocumentUpdate[],
): Promise<number | undefined> {
  if (updates.length === 0) return undefined;
  const first = await reserveUpdateSeq(db, documentId, updates.length);
  if (first === undefined) return undefined;
  await db
    .insertInto('document_updates')
    .values(
      updates.map((u, i) => ({
        document_id: documentId,
        seq: first + i,
        update: u.update,
        size: u.update.byteLength,
        actor_id: u.actorId,
        connection_id: u.connectionId,
        ...(u.createdAt ? { created_at: u.createdAt } : {}),
      })),
    )
    .execute();
  return first + updates.length - 1;
}

export interface NewUpdateOfDocument extends NewDocumentUpdate {
  documentId: string;
}

/** Columns of a document_updates row as inserted: Postgres allows 65,535 parameters. */
const UPDATE_ROW_PARAMETERS = 7;
const UPDATE_ROWS_PER_INSERT = Math.floor(65_535 / UPDATE_ROW_PARAMETERS);

/**
 * Appends updates of any number of documents to the log in a constant number of
 * statements, whatever the number of documents: one reserves every document's sequence
 * range, one (per 9,362 rows) inserts the rows. Returns each update's seq in input
 * order, or undefined where the document no longer exists. Updates of one document get
 * consecutive numbers in input order. Call it inside the transaction (it opens one when
 * given the database).
 *
 * Lock order: the reserving statement first locks the documents with an ordered
 * `SELECT … ORDER BY id FOR UPDATE` (the sort runs below the row locking, so rows are
 * locked in id order), materialised so it cannot be folded into the UPDATE's join, whose
 * order would depend on the plan. The UPDATE only touches rows that CTE returned, i.e.
 * rows already locked, so two instances committing overlapping batches queue in id order
 * instead of deadlocking. As with reserveUpdateSeq, the row locks last until commit:
 * seq numbers of a document become visible in order and are gap-free (a rolled-back
 * reservation rolls back its bump too), so a snapshot covering "seq <= N" never skips a
 * row. In READ COMMITTED a writer that waited re-reads the committed update_seq
 * (EvalPlanQual), so it continues after the other writer's range.
 */
export async function appendUpdatesOfDocuments(
  db: Handle,
  updates: readonly NewUpdateOfDocument[],
): Promise<(number | undefined)[]> {
  const seqs: (number | undefined)[] = new Array(updates.length).fill(undefined);
  if (updates.length === 0) return seqs;
  const counts = new Map<string, number>();
  for (const u of updates) counts.set(u.documentId, (counts.get(u.documentId) ?? 0) + 1);
  const ids = [...counts.keys()].sort();
  return inTransaction(db, async (trx) => {
    const reserved = await sql<{ id: string; update_seq: string | number }>`
      with locked as materialized (
        select id from documents where id = any(${ids}::text[]) order by id for update
      ),
      wanted (id, n) as (
        select * from unnest(${ids}::text[], ${ids.map((id) => counts.get(id) ?? 0)}::bigint[])
      )
      update documents d
         set update_seq = d.update_seq + wanted.n, updated_at = now()
        from locked join wanted on wanted.id = locked.id
       where d.id = locked.id
      returning d.id, d.update_seq`.execute(trx);
    // The next seq to hand out, per document that still exists.
    const next = new Map<string, number>();
    for (const row of reserved.rows) {
      next.set(row.id, Number(row.update_seq) - (counts.get(row.id) ?? 0) + 1);
    }
    const rows = [];
    for (const [i, u] of updates.entries()) {
      const seq = next.get(u.documentId);
      if (seq === undefined) continue;
      next.set(u.documentId, seq + 1);
      seqs[i] = seq;
      rows.push({
        document_id: u.documentId,
        seq,
        update: u.update,
        size: u.update.byteLength,
        actor_id: u.actorId,
        connection_id: u.connectionId,
        created_at: u.createdAt ?? sql<Date>`now()`,
      });
    }
    for (let start = 0; start < rows.length; start += UPDATE_ROWS_PER_INSERT) {
      await trx
        .insertInto('document_updates')
        .values(rows.slice(start, start + UPDATE_ROWS_PER_INSERT))
        .execute();
    }
    return seqs;
  });
}

export function findDocumentState(db: Handle, documentId: string) {
  return db
    .selectFrom('document_states')
    .select(['snapshot', 'seq', 'updated_at'])
    .where('document_id', '=', documentId)
    .executeTakeFirst();
}

/** Update-log rows after `afterSeq`, in order. */
export function listDocumentUpdatesAfter(db: Handle, documentId: string, afterSeq: number, limit?: number) {
  let query = db
    .selectFrom('document_updates')
    .select(['seq', 'update', 'actor_id', 'connection_id', 'created_at'])
    .where('document_id', '=', documentId)
    .where('seq', '>', afterSeq)
    .orderBy('seq');
  if (limit !== undefined) query = query.limit(limit);
  return query.execute();
}

/**
 * Writes a merged snapshot covering the log up to `seq`. Never moves backwards: a
 * writer holding an older merge loses against one that already stored a newer one.
 */
export async function saveDocumentState(
  db: Handle,
  documentId: string,
  snapshot: Uint8Array,
  seq: number,
): Promise<boolean> {
  const result = await db
    .insertInto('document_states')
    .values({ document_id: documentId, snapshot, seq, updated_at: new Date() })
    .onConflict((oc) =>
      oc
        .column('document_id')
        .doUpdateSet({ snapshot, seq, updated_at: new Date() })
        .where('document_states.seq', '<', seq),
    )
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/**
 * The body indexed for search is cut to this many UTF-8 bytes. Postgres refuses a
 * tsvector over 1 MiB ("string is too long for tsvector"); text of distinct words makes a
 * tsvector about 1.25× its size, so 600 kB stays clear of that whatever the text. Without
 * the bound a write of a long document would be stored and then fail while indexing.
 */
export const SEARCH_BODY_MAX_BYTES = 600_000;

export function searchableBody(body: string): string {
  if (body.length * 3 <= SEARCH_BODY_MAX_BYTES || Buffer.byteLength(body) <= SEARCH_BODY_MAX_BYTES)
    return body;
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  return Buffer.from(body)
    .subarray(0, SEARCH_BODY_MAX_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

export async function upsertSearchText(
  db: Handle,
  entry: { documentId: string; workspaceId: string; title: string; body: string },
): Promise<void> {
  const body = searchableBody(entry.body);
  await db
    .insertInto('document_search')
    .values({
      document_id: entry.documentId,
      workspace_id: entry.workspaceId,
      title: entry.title,
      body,
      // The database's clock, like documents.updated_at: the search sweeper compares them.
      updated_at: sql`now()`,
    })
    .onConflict((oc) =>
      oc.column('document_id').doUpdateSet({
        title: entry.title,
        body,
        workspace_id: entry.workspaceId,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

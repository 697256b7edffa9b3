import { sql } from 'kysely';
import type { SearchLanguage } from '../../search-language.js';
import type { DocumentRole, DocumentRow } from '../schema.js';
import type { Handle } from './handle.js';
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
 * Marks documents as changed now (`updated_at`, the database clock: the search sweeper
 * compares it with the search row's). Not per edit: REST writes and the audit
 * summariser's passes call it, once per document.
 */
export async function touchDocuments(db: Handle, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('documents')
    .set({ updated_at: sql`now()` })
    .where('id', '=', sql<string>`any(${[...ids]}::text[])`)
    .execute();
}

export interface NewDocumentUpdate {
  update: Uint8Array;
  actorId: string | null;
  /** The agent label of an agent token's write. */
  agent?: string | null;
  connectionId: string | null;
  createdAt?: Date;
}

export interface NewUpdateOfDocument extends NewDocumentUpdate {
  documentId: string;
}

/**
 * Appends updates of any number of documents to the log in ONE statement that takes no
 * row lock a writer could queue on: the rows are numbered from the global sequence in
 * input order (so one document's updates in a batch keep their order) and inserted;
 * joining `documents` drops the rows of a document that no longer exists. Returns each
 * update's seq in input order, undefined where the document is gone.
 *
 * Nothing here serialises writers: seq is unique and ordered but neither gap-free nor
 * commit order, which is why readers track coverage by transaction horizon (`xid`, see
 * the migration) instead of "seq <= N". The foreign key's check takes a KEY SHARE lock
 * on the document row, which no other writer conflicts with (only a delete waits).
 *
 * `auditedInline`: the caller writes these rows' `document.update` audit entry in the
 * same transaction, so the summariser must not (REST writes).
 */
export async function appendUpdatesOfDocuments(
  db: Handle,
  updates: readonly NewUpdateOfDocument[],
  options: { auditedInline?: boolean } = {},
): Promise<(number | undefined)[]> {
  const seqs: (number | undefined)[] = new Array(updates.length).fill(undefined);
  if (updates.length === 0) return seqs;
  // Six array parameters whatever the batch size. Bytes travel as hex text: both the pg
  // driver and PGlite encode a text[] the same way (the pg driver hex-encodes bytea[] too).
  const query = sql<{ ord: string; seq: string }>`
    with numbered as materialized (
      select nextval('document_updates_seq_seq') as seq, ordered.*
        from (
          select t.*
            from unnest(
                   ${updates.map((u) => u.documentId)}::text[],
                   ${updates.map((u) => Buffer.from(u.update.buffer, u.update.byteOffset, u.update.byteLength).toString('hex'))}::text[],
                   ${updates.map((u) => u.actorId)}::text[],
                   ${updates.map((u) => u.connectionId)}::text[],
                   ${updates.map((u) => u.createdAt?.toISOString() ?? null)}::timestamptz[],
                   ${updates.map((u) => u.agent ?? null)}::text[]
                 ) with ordinality as t(document_id, update_hex, actor_id, connection_id, created_at, agent, ord)
            join documents d on d.id = t.document_id
           order by t.ord
        ) ordered
    ),
    inserted as (
      insert into document_updates
        (seq, document_id, update, size, actor_id, connection_id, created_at, audited_inline, agent)
      select seq, document_id, decode(update_hex, 'hex'), length(update_hex) / 2, actor_id, connection_id,
             coalesce(created_at, now()), ${options.auditedInline === true}, agent
        from numbered
    )
    select ord, seq from numbered`;
  let result: { rows: { ord: string; seq: string }[] };
  try {
    result = await query.execute(db);
  } catch (error) {
    // A document deleted between the join and the foreign key check: once more, and the
    // join drops its rows. (Inside a caller's transaction the error stands.)
    if ((error as { code?: string }).code !== '23503' || db.isTransaction) throw error;
    result = await query.execute(db);
  }
  for (const row of result.rows) seqs[Number(row.ord) - 1] = Number(row.seq);
  return seqs;
}

export function findDocumentState(db: Handle, documentId: string) {
  return db
    .selectFrom('document_states')
    .select(['snapshot', 'seq', sql<string>`covers_xid::text`.as('covers_xid'), 'updated_at'])
    .where('document_id', '=', documentId)
    .executeTakeFirst();
}

/** Where a paged read of the log stands: after this (xid, seq) key. */
export interface LogPosition {
  xid: string;
  seq: number;
}

/**
 * Log rows of a document whose transaction is at or above `fromXid` (everything a state
 * covering `fromXid` may lack), in (xid, seq) order after `after`; and the horizon of
 * the snapshot that read them: every row with xid below it is visible to that snapshot,
 * so a state built from everything it saw covers that horizon. One round trip, a row
 * for the horizon even when there are no updates.
 *
 * `visibleIn` (a snapshot an earlier page returned) keeps only rows that snapshot saw, so
 * a paged read describes exactly one snapshot's view of the log.
 *
 * Paged by (xid, seq), the order of the (document_id, xid) index: ordering by seq alone
 * under a LIMIT lets the planner walk the primary key across every document's rows.
 */
export async function listDocumentUpdatesFrom(
  db: Handle,
  documentId: string,
  from: { xid: string; after?: LogPosition; visibleIn?: string },
  limit: number,
): Promise<{
  horizon: string;
  /** The statement's snapshot (`pg_snapshot` as text): what it saw, exactly. */
  snapshot: string;
  rows: {
    seq: number;
    xid: string;
    update: Uint8Array;
    actor_id: string | null;
    connection_id: string | null;
    created_at: Date;
  }[];
}> {
  const after = from.after ?? { xid: '0', seq: 0 };
  const result = await sql<{
    horizon: string;
    snapshot: string;
    seq: string | null;
    xid: string | null;
    update: Uint8Array | null;
    actor_id: string | null;
    connection_id: string | null;
    created_at: Date | null;
  }>`
    select pg_snapshot_xmin(h.snapshot)::text as horizon, h.snapshot::text as snapshot, u.seq,
           u.xid::text as xid, u.update, u.actor_id, u.connection_id, u.created_at
      from (select pg_current_snapshot() as snapshot) h
      left join lateral (
        select seq, xid, update, actor_id, connection_id, created_at
          from document_updates
         where document_id = ${documentId} and xid >= ${from.xid}::xid8
           and (xid, seq) > (${after.xid}::xid8, ${after.seq}::bigint)
           and (${from.visibleIn ?? null}::pg_snapshot is null
                or pg_visible_in_snapshot(xid, ${from.visibleIn ?? null}::pg_snapshot))
         order by xid, seq
         limit ${limit}
      ) u on true
     order by u.xid, u.seq`.execute(db);
  const horizon = result.rows[0]?.horizon as string;
  const snapshot = result.rows[0]?.snapshot as string;
  const rows = result.rows
    .filter((r) => r.seq !== null)
    .map((r) => ({
      seq: Number(r.seq),
      xid: r.xid as string,
      update: r.update as Uint8Array,
      actor_id: r.actor_id,
      connection_id: r.connection_id,
      created_at: r.created_at as Date,
    }));
  return { horizon, snapshot, rows };
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
  // Built with the workspace's configuration as of this write (a reindex catches up rows
  // written just before a change; search reads each row with its own).
  const language = sql<SearchLanguage>`(select search_language from workspaces where id = ${entry.workspaceId})`;
  await db
    .insertInto('document_search')
    .values({
      document_id: entry.documentId,
      workspace_id: entry.workspaceId,
      title: entry.title,
      body,
      search_language: language,
      // The database's clock, like documents.updated_at: the search sweeper compares them.
      updated_at: sql`now()`,
    })
    .onConflict((oc) =>
      oc.column('document_id').doUpdateSet({
        title: entry.title,
        body,
        workspace_id: entry.workspaceId,
        search_language: language,
        updated_at: sql`now()`,
      }),
    )
    .execute();
}

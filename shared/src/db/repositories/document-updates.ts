import { sql } from 'kysely';
import type { Handle } from './handle.js';

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
 * Update-log rows a snapshot covering `from.xid` may lack, created at or before `at`,
 * in (xid, seq) order after `from.after` (the order of the (document_id, xid) index).
 * `created_at` is the writing transaction's start, so a row belongs to the past of `at`
 * when its transaction began by then.
 */
export function listDocumentUpdatesUntil(
  db: Handle,
  documentId: string,
  from: { xid: string; after?: { xid: string; seq: number } },
  at: Date,
  limit: number,
) {
  const after = from.after ?? { xid: '0', seq: 0 };
  return db
    .selectFrom('document_updates')
    .select(['seq', sql<string>`xid::text`.as('xid'), 'update'])
    .where('document_id', '=', documentId)
    .where(sql<boolean>`xid >= ${from.xid}::xid8`)
    .where(sql<boolean>`(xid, seq) > (${after.xid}::xid8, ${after.seq}::bigint)`)
    .where('created_at', '<=', at)
    .orderBy(sql`xid`)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** One attributed update-log row, as the diff reads it. */
export interface AttributedUpdate {
  seq: number;
  xid: string;
  update: Uint8Array;
  actorId: string | null;
  agent: string | null;
  createdAt: Date;
}

/**
 * A document's log rows with xid at or above `from.xid`, in (xid, seq) order after
 * `from.after`, with their attribution; optionally only those a Postgres snapshot saw
 * (`visibleIn`) or whose transaction began by `until`. Paged like the state loader.
 */
export async function listAttributedUpdates(
  db: Handle,
  documentId: string,
  from: {
    xid: string;
    after?: LogPosition | undefined;
    visibleIn?: string | undefined;
    until?: Date | undefined;
  },
  limit: number,
): Promise<AttributedUpdate[]> {
  const after = from.after ?? { xid: '0', seq: 0 };
  const result = await sql<{
    seq: string;
    xid: string;
    update: Uint8Array;
    actor_id: string | null;
    agent: string | null;
    created_at: Date;
  }>`
    select seq, xid::text as xid, update, actor_id, agent, created_at
      from document_updates
     where document_id = ${documentId} and xid >= ${from.xid}::xid8
       and (xid, seq) > (${after.xid}::xid8, ${after.seq}::bigint)
       and (${from.visibleIn ?? null}::pg_snapshot is null
            or pg_visible_in_snapshot(xid, ${from.visibleIn ?? null}::pg_snapshot))
       and (${from.until ?? null}::timestamptz is null or created_at <= ${from.until ?? null}::timestamptz)
     order by xid, seq
     limit ${limit}`.execute(db);
  return result.rows.map((r) => ({
    seq: Number(r.seq),
    xid: r.xid,
    update: r.update,
    actorId: r.actor_id,
    agent: r.agent,
    createdAt: r.created_at,
  }));
}

/*
 * What the collaboration server's log follower reads besides the paged reads above: which
 * rows of many documents appeared since each one's horizon (ids only, one statement), then
 * the bytes of only those it does not already hold.
 */

/** At most this many row ids per round; the rest are found by the next one. */
export const NEW_UPDATE_IDS_LIMIT = 20_000;

export interface NewUpdateIds {
  /** pg_snapshot_xmin of the statement's snapshot: its rows cover every xid below it. */
  horizon: string;
  /** Rows with xid >= the document's horizon (at most NEW_UPDATE_IDS_LIMIT, in no order). */
  rows: { documentId: string; seq: number }[];
  /** True when the limit cut the list: the horizon must not advance past what was seen. */
  truncated: boolean;
  /** Documents among those asked about that no longer exist. */
  missing: string[];
}

/**
 * One statement for every loaded document: the seq of each log row whose transaction is
 * at or above the document's horizon (index-only on (document_id, xid) include (seq)),
 * the documents that are gone, and the snapshot's horizon, all read under one snapshot.
 */
export async function listNewUpdateIds(
  db: Handle,
  documents: readonly { id: string; horizon: string }[],
): Promise<NewUpdateIds> {
  const result = await sql<{ kind: 'h' | 'm' | 'u'; document_id: string | null; seq: string | null }>`
    with wanted as (
      select * from unnest(${documents.map((d) => d.id)}::text[], ${documents.map((d) => d.horizon)}::xid8[])
        as w(id, horizon)
    )
    select 'h' as kind, pg_snapshot_xmin(pg_current_snapshot())::text as document_id, null::bigint as seq
    union all
    select 'm', w.id, null from wanted w where not exists (select 1 from documents d where d.id = w.id)
    union all
    -- Per document (lateral), so each is a range of the (document_id, xid) index: a
    -- global ORDER BY seq with the limit made the planner walk the whole primary key.
    (select 'u', w.id, u.seq
       from wanted w
       cross join lateral (
         select seq from document_updates u
          where u.document_id = w.id and u.xid >= w.horizon
          limit ${NEW_UPDATE_IDS_LIMIT}
       ) u
      limit ${NEW_UPDATE_IDS_LIMIT})`.execute(db);
  let horizon = '';
  const rows: NewUpdateIds['rows'] = [];
  const missing: string[] = [];
  for (const row of result.rows) {
    if (row.kind === 'h') horizon = row.document_id as string;
    else if (row.kind === 'm') missing.push(row.document_id as string);
    else rows.push({ documentId: row.document_id as string, seq: Number(row.seq) });
  }
  return { horizon, rows, truncated: rows.length >= NEW_UPDATE_IDS_LIMIT, missing };
}

/** The bytes of the given log rows (by their global seq), in seq order. */
export function findDocumentUpdatesBySeq(db: Handle, seqs: readonly number[]) {
  if (seqs.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('document_updates')
    .select(['seq', 'document_id', 'update'])
    .where('seq', '=', sql<number>`any(${seqs}::bigint[])`)
    .orderBy('seq')
    .execute();
}

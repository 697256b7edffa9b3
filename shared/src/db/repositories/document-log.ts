import { sql } from 'kysely';
import type { Handle } from './handle.js';

/**
 * Reads the collaboration server's log follower needs beyond documents.ts: which rows
 * of many documents appeared since each one's horizon (ids only, one statement), then
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

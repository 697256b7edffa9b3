import { sql } from 'kysely';
import type { LogPosition } from './documents.js';
import type { Handle } from './handle.js';

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

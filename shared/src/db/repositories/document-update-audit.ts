import { sql } from 'kysely';
import type { Handle } from './handle.js';
import type { DocumentChange } from './webhooks.js';

/**
 * The `document.update` summariser's storage: its cursor (the snapshot of its last
 * pass, and which instance holds the job) and the per-pass aggregate of new log rows.
 */

/** Advisory lock key of a summariser pass (any constant no other code uses). */
const AUDIT_PASS_LOCK = 7_301_447_120_001n;

/** Takes the pass lock for the rest of the transaction; false when another pass holds it. */
export async function lockUpdateAuditPass(db: Handle, wait: boolean): Promise<boolean> {
  const key = AUDIT_PASS_LOCK.toString();
  if (wait) {
    await sql`select pg_advisory_xact_lock(${key}::bigint)`.execute(db);
    return true;
  }
  const row = await sql<{
    locked: boolean;
  }>`select pg_try_advisory_xact_lock(${key}::bigint) as locked`.execute(db);
  return row.rows[0]?.locked === true;
}

/** The cursor row, locked; `heldByOther` when another holder's lease is still running. */
export async function findUpdateAuditCursor(db: Handle, holder: string) {
  const row = await sql<{ snapshot: string; held_by_other: boolean }>`
    select snapshot::text,
           coalesce(holder <> ${holder} and held_until > now(), false) as held_by_other
      from document_update_audit_cursor
       for update`.execute(db);
  const cursor = row.rows[0];
  if (!cursor) throw new Error('document_update_audit_cursor has no row (migrations not applied?)');
  return { snapshot: cursor.snapshot, heldByOther: cursor.held_by_other };
}

export interface UpdateAuditGroup {
  documentId: string;
  actorId: string | null;
  /** The agent label when an agent token made these edits for the actor. */
  agent: string | null;
  /** Rows the summariser audits (not audited inline by their writer). */
  updates: number;
  bytes: number;
  fromSeq: number;
  toSeq: number;
}

/**
 * Every log row visible to this statement's snapshot but not to `previous` (the last
 * pass's), grouped by document and actor, and this statement's snapshot. A row is in
 * exactly one pass: the first whose snapshot sees it (visibility only grows between
 * snapshots taken one after the other), however late it commits relative to its seq.
 * Rows audited inline (their writer touched the document and audited them) are changes
 * for webhooks, but neither audited again nor listed in `documents`.
 */
export async function listUnauditedUpdates(
  db: Handle,
  previous: string,
): Promise<{ snapshot: string; groups: UpdateAuditGroup[]; documents: string[]; changes: DocumentChange[] }> {
  const result = await sql<{
    snapshot: string;
    document_id: string | null;
    actor_id: string | null;
    agent: string | null;
    updates: string | null;
    bytes: string | null;
    from_seq: string | null;
    to_seq: string | null;
    all_from_seq: string | null;
    all_to_seq: string | null;
  }>`
    select s.snapshot::text as snapshot, g.*
      from (select pg_current_snapshot() as snapshot) s
      left join lateral (
        select document_id, actor_id, agent,
               count(*) filter (where not audited_inline) as updates,
               coalesce(sum(size) filter (where not audited_inline), 0) as bytes,
               min(seq) filter (where not audited_inline) as from_seq,
               max(seq) filter (where not audited_inline) as to_seq,
               min(seq) as all_from_seq,
               max(seq) as all_to_seq
          from document_updates
         where xid >= pg_snapshot_xmin(${previous}::pg_snapshot)
           and not pg_visible_in_snapshot(xid, ${previous}::pg_snapshot)
         group by document_id, actor_id, agent
         order by document_id, actor_id nulls first, agent nulls first
      ) g on true`.execute(db);
  const snapshot = result.rows[0]?.snapshot as string;
  const groups: UpdateAuditGroup[] = [];
  const documents = new Set<string>();
  const changes = new Map<string, DocumentChange>();
  for (const row of result.rows) {
    if (row.document_id === null) continue;
    // Every new row, audited inline or not, is a change for webhooks.
    const change = changes.get(row.document_id);
    const [from, to] = [Number(row.all_from_seq), Number(row.all_to_seq)];
    if (!change) {
      changes.set(row.document_id, {
        documentId: row.document_id,
        fromSeq: from,
        toSeq: to,
        actorIds: row.actor_id ? [row.actor_id] : [],
        agents: row.agent ? [row.agent] : [],
      });
    } else {
      change.fromSeq = Math.min(change.fromSeq, from);
      change.toSeq = Math.max(change.toSeq, to);
      if (row.actor_id && !change.actorIds.includes(row.actor_id)) change.actorIds.push(row.actor_id);
      if (row.agent && !change.agents.includes(row.agent)) change.agents.push(row.agent);
    }
    const updates = Number(row.updates);
    if (updates === 0) continue;
    documents.add(row.document_id);
    groups.push({
      documentId: row.document_id,
      actorId: row.actor_id,
      agent: row.agent,
      updates,
      bytes: Number(row.bytes),
      fromSeq: Number(row.from_seq),
      toSeq: Number(row.to_seq),
    });
  }
  return { snapshot, groups, documents: [...documents], changes: [...changes.values()] };
}

/** Moves the cursor to `snapshot`; with `leaseMs`, takes or renews the holder's lease. */
export async function saveUpdateAuditCursor(
  db: Handle,
  cursor: { snapshot: string; holder: string; leaseMs?: number },
): Promise<void> {
  if (cursor.leaseMs === undefined) {
    await sql`update document_update_audit_cursor set snapshot = ${cursor.snapshot}::pg_snapshot`.execute(db);
    return;
  }
  await sql`
    update document_update_audit_cursor
       set snapshot = ${cursor.snapshot}::pg_snapshot,
           holder = ${cursor.holder},
           held_until = now() + ${cursor.leaseMs} * interval '1 millisecond'`.execute(db);
}

/** Gives up the lease (shutdown), so another instance takes over at once. */
export async function releaseUpdateAuditLease(db: Handle, holder: string): Promise<void> {
  await sql`update document_update_audit_cursor set held_until = null where holder = ${holder}`.execute(db);
}

// Frozen in time: this file must never import application code, and must never change
// once released. Later schema changes are new migrations.
import { type Kysely, sql } from 'kysely';

/**
 * The update log becomes append-only with no row locks on the write path.
 *
 * Before: each group commit locked every touched `documents` row (UPDATE … update_seq,
 * updated_at) to hand out a gap-free per-document sequence, and audited inside the same
 * transaction under the audit chain head's row lock. Two instances writing one document
 * queued on those locks, and each edit cost ~3.9 written tuples.
 *
 * After:
 * - `seq` comes from one Postgres sequence: a global order, unique, not gap-free, and
 *   not commit order. It starts after the current maximum, so the per-document order of
 *   existing rows is kept.
 * - `xid` is the writing transaction's id. A reader that built a state from everything
 *   visible to snapshot S has every row with xid < pg_snapshot_xmin(S) (those
 *   transactions had all ended); rows at or above it may or may not be in the state, so
 *   catching up re-reads them (Yjs updates are idempotent). Coverage is stored as that
 *   horizon (`covers_xid`) in document_states and document_versions, never as a seq, so
 *   a row that commits after a later-numbered one can never be skipped.
 *   Existing rows get xid 3 (FirstNormalTransactionId, below every real xid) and existing
 *   snapshots cover xid 3 too: they are replayed on top of the old log once (harmless),
 *   until the next compaction.
 * - `audited_inline`: rows whose `document.update` audit entry was written by the
 *   inserting transaction (REST writes, which audit the caller at once). The rest are
 *   audited by the summariser, which keeps its place in `document_update_audit_cursor`:
 *   the snapshot of its last pass, so a row is audited by the first pass whose snapshot
 *   sees it, exactly once, however late it commits.
 * - `documents.update_seq` goes (nothing reserves per document any more).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence document_updates_seq_seq as bigint owned by document_updates.seq`.execute(db);
  await sql`select setval('document_updates_seq_seq', coalesce((select max(seq) from document_updates), 0) + 1, false)`.execute(
    db,
  );
  await sql`alter table document_updates alter column seq set default nextval('document_updates_seq_seq')`.execute(
    db,
  );
  // A constant default first (no table rewrite), then the real one for new rows.
  await sql`alter table document_updates add column xid xid8 not null default '3'::xid8`.execute(db);
  await sql`alter table document_updates alter column xid set default pg_current_xact_id()`.execute(db);
  await sql`alter table document_updates add column audited_inline boolean not null default false`.execute(
    db,
  );
  // seq is unique on its own now; the follower fetches missing rows by it.
  await sql`alter table document_updates drop constraint document_updates_pkey`.execute(db);
  await sql`alter table document_updates add constraint document_updates_pkey primary key (seq)`.execute(db);
  // "Rows of these documents with xid >= X": loading, compaction, the log follower. seq
  // is included so the follower's first pass (which rows exist) needs no heap bytes.
  await sql`create index document_updates_document_xid_idx on document_updates (document_id, xid) include (seq)`.execute(
    db,
  );
  // The summariser's "rows with xid >= X", whatever the document.
  await sql`create index document_updates_xid_idx on document_updates (xid)`.execute(db);

  for (const table of ['document_states', 'document_versions']) {
    await sql`alter table ${sql.table(table)} add column covers_xid xid8 not null default '3'::xid8`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} alter column covers_xid drop default`.execute(db);
  }

  await sql`alter table documents drop column update_seq`.execute(db);

  await sql`
    create table document_update_audit_cursor (
      singleton boolean primary key default true check (singleton),
      snapshot pg_snapshot not null,
      holder text,
      held_until timestamptz
    )`.execute(db);
  // Everything already in the log was audited by the old write path.
  await sql`insert into document_update_audit_cursor (snapshot) values (pg_current_snapshot())`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table document_update_audit_cursor`.execute(db);
  await sql`alter table documents add column update_seq bigint not null default 0`.execute(db);
  await sql`drop index document_updates_xid_idx`.execute(db);
  await sql`drop index document_updates_document_xid_idx`.execute(db);
  await sql`alter table document_updates drop constraint document_updates_pkey`.execute(db);
  // Renumber per document in global order, so the old gap-free scheme holds again.
  await sql`
    with numbered as (
      select seq, row_number() over (partition by document_id order by seq) as n from document_updates
    )
    update document_updates u set seq = numbered.n from numbered where numbered.seq = u.seq`.execute(db);
  await sql`alter table document_updates add constraint document_updates_pkey primary key (document_id, seq)`.execute(
    db,
  );
  await sql`
    update documents d set update_seq = m.max
      from (select document_id, max(seq) as max from document_updates group by document_id) m
     where m.document_id = d.id`.execute(db);
  for (const table of ['document_states', 'document_versions']) {
    // Coverage by seq cannot be recovered from a horizon: cover nothing, replay the log.
    await sql`update ${sql.table(table)} set seq = 0`.execute(db);
    await sql`alter table ${sql.table(table)} drop column covers_xid`.execute(db);
  }
  await sql`alter table document_updates drop column audited_inline`.execute(db);
  await sql`alter table document_updates drop column xid`.execute(db);
  await sql`alter table document_updates alter column seq drop default`.execute(db);
  await sql`drop sequence document_updates_seq_seq`.execute(db);
}
